/**
 * Layout decisions for a VMFS-6 volume, before any byte is written. Follows
 * the ESXi sample: root FD 0, system FDs 1–8 (.fbb .fdc .pbc .sbc .vh .pb2
 * .sdd .jbc), user FDs from 9 in creation (pre-order) order; small file
 * blocks .vh 0–6, .fdc 7, root 8, .fbb 9, the rest of .fdc, .pbc, the first
 * 320 of .sbc, .pb2, .sdd, .jbc, the rest of .sbc — then user SFBs in
 * creation order, then user LFBs from the first 512 MiB boundary above
 * every SFB in use. Sub-blocks in creation order (a directory takes its
 * sub-blocks when it is created, before its children, as `/directory` of
 * the sample has SB 0–1 and its file5 SB 2).
 */
import type { Piece } from '../vmfs5/content.js';
import { checkSize, fileBlocks, piecesOf, validateName, type PlannedFd } from '../vmfs5/plan.js';
import { directoryBytes, type DirChild, type DirLayout, ROOT_SYSTEM_SLOT } from './directory.js';
import {
  FD_ADDRS, FD_TYPE, LFB, PB_ADDRS, PE_SIZE, RESIDENT_MAX, RESOURCES, SFB, SFBS_PER_LFB, SUB_BLOCK, VH_BLOCKS, ZLA,
  fdAddress, resourceFileLength, resourcesFitting, sfbClusterHeaderOffset, CLUSTER_HEADER,
} from './geometry.js';
import type { Addressing6, BlockKind, Provisioning, TreeNode6, VolumeSpec6 } from './spec.js';

export type { Kind } from '../vmfs5/plan.js';

export interface PlannedBlock {
  kind: 'sfb' | 'lfb';
  /** File offset the block starts at. */
  fileOffset: number;
  tbz: boolean;
  /** SFB number (×1 MiB) or LFB number (×512 MiB), assigned in pass 2. */
  volumeBlock: number;
}

export interface PlannedNode extends PlannedFd {
  blockKind: BlockKind;
  /** Bytes one FD/PB array entry covers: 64 KiB (sub-block files), 1 MiB (sfb, mixed) or 512 MiB (lfb). */
  unit: number;
  pieces: Piece[];
  blocks: PlannedBlock[];
  /** Sub-block files and directories: their sub-blocks, in file order. */
  subBlocks: number[];
  /** Pointer blocks: key "level:index" → sub-block or .pb2.sf resource number. */
  pointerBlocks: Map<string, number>;
  pbPool: 'subblock' | 'pb2';
  parent: PlannedNode | null;
  children: PlannedNode[];
  rdmLunId?: string;
  dir?: DirLayout;
  spec?: TreeNode6;
}

export interface Plan {
  spec: VolumeSpec6;
  nodes: PlannedNode[];
  root: PlannedNode;
  volumeSfbs: number;
  volumeLfbs: number;
  system: Record<SystemKey, PlannedNode>;
  counts: { fdcResources: number; sbcResources: number; pb2Resources: number; subBlocks: number; pb2Blocks: number };
  /** SFBs 0 … usedSfbs−1 are in use; LFBs from firstUserLfb on as the files say. */
  usedSfbs: number;
  usedLfbs: Set<number>;
}

export const SYSTEM_NAMES = ['.fbb.sf', '.fdc.sf', '.pbc.sf', '.sbc.sf', '.vh.sf', '.pb2.sf', '.sdd.sf', '.jbc.sf'] as const;
export const SYSTEM_KEYS = ['fbb', 'fdc', 'pbc', 'sbc', 'vh', 'pb2', 'sdd', 'jbc'] as const;
export type SystemKey = (typeof SYSTEM_KEYS)[number];

/** The sample's .sbc.sf: 370 SFBs = the rest of its 768 MiB volume; the builder caps it there. */
const SBC_DEFAULT_MAX = 370;
/** .sbc.sf's first run before .pb2 .sdd .jbc (the sample's 320 SFBs). */
const SBC_FIRST_RUN = 320;
/** .jbc.sf: 128 journal blocks of 2 MiB (the sample's header). */
const JBC_RESOURCES = 128;
const FDC_MIN = 16384;

function blankNode(path: string, name: string, typeCode: number, fdIndex: number, t: number): PlannedNode {
  return {
    path, name, typeCode, fdIndex, address: fdAddress(fdIndex), generation: 1, mode: 0, uid: 0, gid: 0, mtime: t, ctime: t, atime: t,
    nlink: 1, size: 0, kind: 'resident', zla: ZLA.resident, blockKind: 'sfb', unit: SUB_BLOCK, pieces: [], blocks: [], subBlocks: [],
    pointerBlocks: new Map(), pbPool: 'subblock', parent: null, children: [],
  };
}

/** Addressing for a file of `entries` array entries (format §9.1 limits at k = 13). */
function addressingFor(entries: number): Addressing6 {
  if (entries <= FD_ADDRS) return 'direct';
  if (entries <= FD_ADDRS * PB_ADDRS) return 'indirect';
  return 'double';
}

/** Array entries a block file needs: one per unit of its length. */
export function entryCount(n: Pick<PlannedNode, 'size' | 'unit'>): number {
  return Math.ceil(n.size / n.unit);
}

function planBlocks(n: PlannedNode, kind: BlockKind, provisioning: Provisioning, forced?: Addressing6): void {
  n.kind = 'block';
  n.blockKind = kind;
  n.unit = kind === 'lfb' ? LFB : SFB;
  const lfbPart = kind === 'lfb' ? n.size : kind === 'mixed' ? Math.floor(n.size / LFB) * LFB : 0;
  if (kind === 'mixed' && lfbPart === 0) throw new Error(`${n.path}: a mixed LFB/SFB file must be at least 512 MiB`);
  if (lfbPart > 0) {
    const lfbPieces = n.pieces.filter((p) => p.offset < lfbPart);
    for (const b of fileBlocks(lfbPart, lfbPieces, provisioning, LFB)) n.blocks.push({ kind: 'lfb', fileOffset: b.index * LFB, tbz: b.tbz, volumeBlock: -1 });
  }
  if (lfbPart < n.size) {
    // The SFB tail: blocks of the part after the last whole LFB.
    const tail = n.pieces.filter((p) => p.offset + p.source.length > lfbPart).map((p) => ({
      offset: Math.max(0, p.offset - lfbPart),
      source: p.offset >= lfbPart ? p.source : { length: p.source.length - (lfbPart - p.offset), readInto: (dst: Buffer, off: number) => p.source.readInto(dst, off + lfbPart - p.offset) },
    }));
    for (const b of fileBlocks(n.size - lfbPart, tail, provisioning, SFB)) n.blocks.push({ kind: 'sfb', fileOffset: lfbPart + b.index * SFB, tbz: b.tbz, volumeBlock: -1 });
  }
  const mode = forced ?? addressingFor(entryCount(n));
  if (mode === 'resident' || mode === 'subblock') throw new Error(`${n.path}: blocks "${kind}" cannot be ${mode}`);
  if (entryCount(n) > { direct: FD_ADDRS, indirect: FD_ADDRS * PB_ADDRS, double: FD_ADDRS * PB_ADDRS * PB_ADDRS }[mode]) throw new Error(`${n.path}: ${n.size} bytes exceed ${mode} addressing`);
  n.zla = ZLA[mode];
}

/** Array indices an entry of block b fills (an LFB of a mixed file fills 512). */
export function entryIndices(n: PlannedNode, b: PlannedBlock): number[] {
  const first = Math.floor(b.fileOffset / n.unit);
  if (b.kind === 'lfb' && n.unit === SFB) {
    const last = Math.min(first + SFBS_PER_LFB, entryCount(n));
    return Array.from({ length: last - first }, (_, i) => first + i);
  }
  return [first];
}

/** Pointer blocks a block file needs: "1:i" covers entries i·8192…, "2:j" covers j·8192² (double indirect). */
export function pointerKeys(n: PlannedNode): string[] {
  if (n.zla !== ZLA.indirect && n.zla !== ZLA.double) return [];
  const keys = new Set<string>();
  for (const b of n.blocks) {
    for (const i of entryIndices(n, b)) {
      if (n.zla === ZLA.double) keys.add(`2:${Math.floor(i / (PB_ADDRS * PB_ADDRS))}`);
      keys.add(`1:${Math.floor(i / PB_ADDRS)}`);
    }
  }
  return [...keys];
}

function dirChild(n: PlannedNode, reservedSlot?: number): DirChild {
  return { type: n.typeCode, fdAddress: n.address, generation: n.generation, name: n.name, reservedSlot };
}

export function layoutDirectory(n: PlannedNode, root: PlannedNode, system: PlannedNode[]): DirLayout {
  const self = dirChild(n);
  const parent = dirChild(n.parent ?? n);
  return directoryBytes(self, parent, n.children.map((c) => dirChild(c, system.includes(c) ? ROOT_SYSTEM_SLOT + system.indexOf(c) : undefined)), n === root);
}

export function planVolume(spec: VolumeSpec6): Plan {
  const t0 = spec.createTime;
  const nodes: PlannedNode[] = [];
  const root = blankNode('/', '', FD_TYPE.dir, 0, spec.rootMtime ?? t0);
  root.mode = 0o1755;
  root.parent = root;
  nodes.push(root);
  const system = {} as Plan['system'];
  SYSTEM_NAMES.forEach((name, i) => {
    const n = blankNode(`/${name}`, name, FD_TYPE.system, i + 1, t0);
    n.mode = name === '.sdd.sf' ? 0o40700 : 0o400;
    n.kind = 'block';
    n.unit = SFB;
    n.zla = name === '.sbc.sf' ? ZLA.pb2 : ZLA.direct;
    n.parent = root;
    system[SYSTEM_KEYS[i]!] = n;
    root.children.push(n);
    nodes.push(n);
  });
  const systemList = SYSTEM_KEYS.map((k) => system[k]);

  let generation = 1;
  let subBlocks = 0;
  let pb2Blocks = 1; // .pb2.sf resource 0 is .sbc.sf's pointer block
  const dirsInOrder: PlannedNode[] = [];
  const walk = (list: TreeNode6[], parent: PlannedNode): void => {
    const seen = new Set<string>();
    for (const child of list) {
      const path = parent === root ? `/${child.name}` : `${parent.path}/${child.name}`;
      validateName(child.name, path, 255);
      if (seen.has(child.name)) throw new Error(`${path}: duplicate name`);
      seen.add(child.name);
      const n = blankNode(path, child.name, FD_TYPE[child.type], nodes.length, child.mtime ?? t0);
      n.spec = child;
      n.generation = generation++;
      n.ctime = child.ctime ?? n.mtime;
      n.atime = child.atime ?? n.mtime;
      n.uid = child.uid ?? 0;
      n.gid = child.gid ?? 0;
      n.parent = parent;
      n.mode = child.mode ?? { file: 0o644, dir: 0o755, symlink: 0o777, rdm: 0o600 }[child.type];
      if (n.mode > 0o7777) throw new Error(`${path}: mode ${n.mode.toString(8)} has bits beyond 07777`);
      parent.children.push(n);
      nodes.push(n);
      if (child.type === 'dir') {
        // The directory's size follows from its children's names and order only: lay it out now
        // with these provisional addresses, take its sub-blocks, then walk the children.
        dirsInOrder.push(n);
        n.children = child.children.map((c) => ({ ...blankNode('', c.name, FD_TYPE[c.type], 0, 0) }));
        n.size = layoutDirectory(n, root, systemList).bytes.length;
        n.children = [];
        n.kind = 'subblock';
        n.zla = ZLA.subblock;
        n.unit = SUB_BLOCK;
        if (entryCount(n) > FD_ADDRS) throw new Error(`${path}: directory of ${n.size} bytes needs more than ${FD_ADDRS} sub-blocks`);
        for (let i = 0; i < entryCount(n); i++) n.subBlocks.push(subBlocks++);
        walk(child.children, n);
      } else if (child.type === 'rdm') {
        checkSize(child.size, path);
        n.size = child.size;
        n.rdmLunId = child.lunId;
      } else {
        n.pieces = piecesOf(child);
        const dataEnd = n.pieces.length ? n.pieces[n.pieces.length - 1]!.offset + n.pieces[n.pieces.length - 1]!.source.length : 0;
        n.size = child.type === 'file' ? child.size ?? dataEnd : dataEnd;
        checkSize(n.size, path);
        if (n.size < dataEnd) throw new Error(`${path}: size ${n.size} is below the end of its data (${dataEnd})`);
        const file = child.type === 'file' ? child : undefined;
        const forced = file?.addressing;
        const blockKind = file?.blocks ?? 'sfb';
        // ESXi (format §9.5): resident up to A − 512 bytes (the sample's symlink and file4), one 64 KiB sub-block above (file5).
        if (forced === 'resident' || (!forced && !file?.blocks && n.size <= RESIDENT_MAX)) {
          if (n.size > RESIDENT_MAX) throw new Error(`${path}: ${n.size} bytes do not fit in the FD (max ${RESIDENT_MAX})`);
        } else if (forced === 'subblock' || (!forced && !file?.blocks && n.size <= SUB_BLOCK)) {
          if (n.size > SUB_BLOCK * FD_ADDRS) throw new Error(`${path}: ${n.size} bytes exceed direct sub-block addressing`);
          n.kind = 'subblock';
          n.zla = ZLA.subblock;
          n.unit = SUB_BLOCK;
          for (let i = 0; i < entryCount(n); i++) n.subBlocks.push(subBlocks++);
        } else {
          planBlocks(n, blockKind, file?.provisioning ?? 'thin', forced);
          n.pbPool = file?.pointerBlocks ?? 'subblock';
          for (const key of pointerKeys(n)) n.pointerBlocks.set(key, n.pbPool === 'pb2' ? pb2Blocks++ : subBlocks++);
        }
      }
    }
  };
  walk(spec.root, root);
  for (const n of nodes) {
    if (n.typeCode === FD_TYPE.dir && n !== root) n.nlink = 2 + n.children.filter((c) => c.typeCode === FD_TYPE.dir).length;
  }
  root.nlink = 2 + root.children.filter((c) => c.typeCode === FD_TYPE.dir || c === system.sdd).length;
  system.sdd.nlink = 2;

  const devices = spec.devices ?? [{}];
  const volumeBytes = devices.reduce((s, d) => s + (d.pes ?? 1) * PE_SIZE, 0);
  const volumeSfbs = volumeBytes / SFB;
  const volumeLfbs = Math.ceil(volumeSfbs / SFBS_PER_LFB);
  const fdcResources = Math.max(FDC_MIN, Math.ceil(nodes.length / (RESOURCES.fdc.rpc * RESOURCES.fdc.cpg)) * RESOURCES.fdc.rpc * RESOURCES.fdc.cpg);
  const blocksOf = (bytes: number): number => Math.ceil(bytes / SFB);
  system.vh.size = VH_BLOCKS * SFB;
  system.fdc.size = resourceFileLength(RESOURCES.fdc, fdcResources);
  system.fbb.size = sfbClusterHeaderOffset(Math.ceil(volumeSfbs / RESOURCES.sfb.rpc) - 1) + CLUSTER_HEADER;
  system.pbc.size = resourceFileLength(RESOURCES.pbc, 0);
  system.pb2.size = resourceFileLength(RESOURCES.pb2, pb2Blocks);
  system.jbc.size = resourceFileLength(RESOURCES.jbc, JBC_RESOURCES);
  system.sdd.size = layoutDirectory(system.sdd, root, systemList).bytes.length;
  root.size = layoutDirectory(root, root, systemList).bytes.length;
  if (root.size > SFB) throw new Error(`root directory of ${root.size} bytes: the builder keeps it in one SFB`);

  const userSfbs = nodes.reduce((s, n) => s + n.blocks.filter((b) => b.kind === 'sfb').length, 0);
  const userLfbs = nodes.reduce((s, n) => s + n.blocks.filter((b) => b.kind === 'lfb').length, 0);
  const others = VH_BLOCKS + blocksOf(system.fdc.size) + 1 + blocksOf(system.fbb.size) + blocksOf(system.pbc.size) + blocksOf(system.pb2.size) + blocksOf(system.sdd.size) + blocksOf(system.jbc.size);
  const needSbc = blocksOf(resourceFileLength(RESOURCES.sbc, Math.max(1, subBlocks)));
  const room = volumeSfbs - others - userSfbs - (userLfbs ? (userLfbs + 1) * SFBS_PER_LFB : 0);
  const sbcBlocks = spec.sbcBlocks ?? Math.max(needSbc, Math.min(SBC_DEFAULT_MAX, room));
  const sbcResources = resourcesFitting(RESOURCES.sbc, sbcBlocks * SFB);
  if (sbcResources < subBlocks) throw new Error(`.sbc.sf of ${sbcBlocks} SFBs holds ${sbcResources} sub-blocks; ${subBlocks} needed`);
  system.sbc.size = sbcBlocks * SFB;
  for (const key of SYSTEM_KEYS) {
    const n = system[key];
    n.blocks = Array.from({ length: blocksOf(n.size) }, (_, i) => ({ kind: 'sfb' as const, fileOffset: i * SFB, tbz: false, volumeBlock: -1 }));
  }
  root.kind = 'block';
  root.zla = ZLA.direct;
  root.unit = SFB;
  root.blocks = [{ kind: 'sfb', fileOffset: 0, tbz: false, volumeBlock: -1 }];

  // Pass 2: volume blocks in the sample's order.
  let next = 0;
  const place = (n: PlannedNode, from = 0, to = n.blocks.length): void => {
    for (const b of n.blocks.slice(from, to)) if (b.kind === 'sfb') b.volumeBlock = next++;
  };
  place(system.vh);
  place(system.fdc, 0, 1);
  place(root);
  place(system.fbb);
  place(system.fdc, 1);
  place(system.pbc);
  place(system.sbc, 0, SBC_FIRST_RUN);
  place(system.pb2);
  place(system.sdd);
  place(system.jbc);
  place(system.sbc, SBC_FIRST_RUN);
  for (const n of nodes.slice(1 + SYSTEM_KEYS.length)) place(n);
  let lfb = Math.ceil(next / SFBS_PER_LFB);
  const usedLfbs = new Set<number>();
  for (const n of nodes) for (const b of n.blocks) if (b.kind === 'lfb') usedLfbs.add((b.volumeBlock = lfb++));
  if (next > volumeSfbs || lfb > Math.floor(volumeSfbs / SFBS_PER_LFB) + (usedLfbs.size ? 0 : 1)) {
    throw new Error(`volume "${spec.label}" needs ${next} SFBs and LFBs up to ${lfb} but has ${volumeSfbs} SFBs (${Math.floor(volumeSfbs / SFBS_PER_LFB)} whole LFBs): add PEs`);
  }
  return {
    spec, nodes, root, volumeSfbs, volumeLfbs, system,
    counts: { fdcResources, sbcResources, pb2Resources: pb2Blocks, subBlocks, pb2Blocks }, usedSfbs: next, usedLfbs,
  };
}

