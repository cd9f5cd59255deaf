/**
 * Layout decisions, before any byte is written: which FD each node gets, how
 * each file is addressed, which 1 MiB blocks / sub-blocks / pointer blocks it
 * owns. Follows the ESXi sample: root FD 0 and system FDs 1–7 in cluster 0,
 * user FDs from 8 in creation (pre-order) order; .vh.sf blocks 0–3, .fdc.sf
 * from block 4, then the root directory, .fbb, .pbc, .sbc, .pb2, .sdd, then
 * user data in creation order.
 */
import { openContent, readPieces, type Piece } from './content.js';
import { DIR_ENTRY_SIZE } from './structs.js';
import {
  FD_ADDRS, FD_TYPE, FILE_BLOCK, MiB, PB_ADDRS, RESIDENT_MAX, RESOURCES, SUB_BLOCK, VH_BLOCKS, ZLA,
  fdAddress, resourceFileLength,
} from './geometry.js';
import type { Addressing, FileNode, Provisioning, TreeNode, VolumeSpec } from './spec.js';

export type Kind = 'resident' | 'subblock' | 'block';

/** What every planned FD carries, on VMFS-5 and VMFS-6 alike (the VMFS-6 builder extends it). */
export interface PlannedFd {
  path: string;
  name: string;
  typeCode: number;
  fdIndex: number;
  address: number;
  generation: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  ctime: number;
  atime: number;
  nlink: number;
  size: number;
  kind: Kind;
  zla: number;
}

export interface PlannedNode extends PlannedFd {
  /** Data of the file (for directories filled in once all FD addresses are known). */
  pieces: Piece[];
  /** Block files: allocated file-block indices → volume block (assigned in pass 2), and TBZ flag. */
  blocks: Array<{ index: number; tbz: boolean; volumeBlock: number }>;
  /** Pointer blocks: key "level:index" → PB resource number. */
  pointerBlocks: Map<string, number>;
  subBlock: number;
  parent: PlannedNode | null;
  children: PlannedNode[];
  rdmLunId?: string;
  /** Where this node came from in the spec (undefined for root and system files). */
  spec?: TreeNode;
}

export interface Plan {
  spec: VolumeSpec;
  nodes: PlannedNode[];
  root: PlannedNode;
  volumeBlocks: number;
  system: Record<'fbb' | 'fdc' | 'pbc' | 'sbc' | 'vh' | 'pb2' | 'sdd', PlannedNode>;
  counts: { fds: number; subBlocks: number; pointerBlocks: number; pb2Blocks: number; fdcResources: number; sbcResources: number };
  usedBlocks: number;
}

const SYSTEM_NAMES = ['.fbb.sf', '.fdc.sf', '.pbc.sf', '.sbc.sf', '.vh.sf', '.pb2.sf', '.sdd.sf'] as const;
const SYSTEM_KEYS = ['fbb', 'fdc', 'pbc', 'sbc', 'vh', 'pb2', 'sdd'] as const;

/** Addressing ESXi picks for a file of this size (format §9.5: a file above one sub-block goes to FBs). */
function autoAddressing(size: number): Addressing {
  if (size <= RESIDENT_MAX) return 'resident';
  if (size <= SUB_BLOCK) return 'subblock';
  const blocks = Math.ceil(size / FILE_BLOCK);
  if (blocks <= FD_ADDRS) return 'direct';
  if (blocks <= FD_ADDRS * PB_ADDRS) return 'indirect';
  return 'double';
}

/** 62 TiB: the largest VMFS-5 file ESXi allows. */
const MAX_FILE = 62 * 2 ** 40;

export function checkSize(size: number, where: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE) throw new Error(`${where}: size ${size} is not a byte count between 0 and 62 TiB`);
}

/** VMFS-5 names are at most 127 bytes; VMFS-6 entries hold 255 (format §10). */
export function validateName(name: string, where: string, maxBytes = 127): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > maxBytes || name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
    throw new Error(`${where}: invalid VMFS name ${JSON.stringify(name)} (1–${maxBytes} UTF-8 bytes, no "/" or NUL)`);
  }
}

export function piecesOf(node: Pick<FileNode, 'type' | 'name' | 'content' | 'pieces'> | { type: 'symlink'; target: string; name: string } | { type: 'dir' | 'rdm'; name: string }): Piece[] {
  if (node.type === 'symlink') return [{ offset: 0, source: openContent({ kind: 'text', text: node.target }) }];
  if (node.type !== 'file') return [];
  const list = node.pieces ? node.pieces.map((p) => ({ offset: p.offset, source: openContent(p.content) })) : [];
  if (node.content) list.unshift({ offset: 0, source: openContent(node.content) });
  let end = 0;
  for (const p of list) {
    if (!Number.isSafeInteger(p.offset) || p.offset < end) throw new Error(`${node.name}: pieces must be sorted and must not overlap (offset ${p.offset})`);
    end = p.offset + p.source.length;
  }
  return list.filter((p) => p.source.length > 0);
}

function blankNode(path: string, name: string, typeCode: number, fdIndex: number, t: number): PlannedNode {
  return {
    path, name, typeCode, fdIndex, address: fdAddress(fdIndex), generation: 1, mode: 0, uid: 0, gid: 0,
    mtime: t, ctime: t, atime: t, nlink: 1, size: 0, kind: 'resident', zla: ZLA.resident, pieces: [], blocks: [],
    pointerBlocks: new Map(), subBlock: -1, parent: null, children: [],
  };
}

/** Block indices (of `unit` bytes, default the 1 MiB file block) a file owns, and which are TBZ. */
export function fileBlocks(size: number, pieces: Piece[], provisioning: Provisioning, unit = FILE_BLOCK): Array<{ index: number; tbz: boolean }> {
  const n = Math.ceil(size / unit);
  const withData = new Set<number>();
  for (const p of pieces) {
    const last = Math.ceil((p.offset + p.source.length) / unit);
    for (let b = Math.floor(p.offset / unit); b < last; b++) withData.add(b);
  }
  if (provisioning === 'sparse') {
    const buf = Buffer.alloc(unit);
    const zero = Buffer.alloc(unit);
    for (const b of withData) {
      readPieces(pieces, buf, b * unit);
      if (buf.equals(zero)) withData.delete(b);
    }
  }
  if (provisioning === 'thin' || provisioning === 'sparse') return [...withData].sort((a, b) => a - b).map((index) => ({ index, tbz: false }));
  if (n > 1 << 20) throw new Error(`thick/lazy file of ${n} blocks: too big for a test volume`);
  return Array.from({ length: n }, (_, index) => ({ index, tbz: provisioning === 'lazy' && !withData.has(index) }));
}

export function planVolume(spec: VolumeSpec): Plan {
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
    n.zla = ZLA.direct;
    n.parent = root;
    system[SYSTEM_KEYS[i]!] = n;
    root.children.push(n);
    nodes.push(n);
  });
  const sdd = system.sdd;

  let generation = 1;
  let subBlocks = 0;
  let pointerBlocks = 0;
  let pb2Blocks = 0;
  const walk = (list: TreeNode[], parent: PlannedNode): void => {
    const seen = new Set<string>();
    for (const child of list) {
      const path = parent === root ? `/${child.name}` : `${parent.path}/${child.name}`;
      validateName(child.name, path);
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
        const mode: Addressing = child.type === 'symlink' ? 'subblock' : child.addressing ?? autoAddressing(n.size);
        assignAddressing(n, mode, child.type === 'file' ? child.provisioning ?? 'thin' : 'thin');
        if (n.kind === 'subblock') n.subBlock = subBlocks++;
        for (const key of pointerKeys(n)) n.pointerBlocks.set(key, n.zla === ZLA.pb2 ? pb2Blocks++ : pointerBlocks++);
      }
    }
  };
  walk(spec.root, root);
  for (const n of nodes) {
    if (n === root) continue;
    if (n.typeCode === FD_TYPE.dir) {
      n.nlink = 2 + n.children.filter((c) => c.typeCode === FD_TYPE.dir).length;
      n.size = DIR_ENTRY_SIZE * (2 + n.children.length);
      if (n.size <= SUB_BLOCK) {
        n.kind = 'subblock';
        n.zla = ZLA.subblock;
        n.subBlock = subBlocks++;
      } else assignAddressing(n, 'direct', 'thick');
    }
  }
  root.nlink = 2 + root.children.filter((c) => c.typeCode === FD_TYPE.dir || c === sdd).length;
  root.size = DIR_ENTRY_SIZE * (2 + root.children.length);
  assignAddressing(root, 'direct', 'thick');
  sdd.size = DIR_ENTRY_SIZE * 2;
  sdd.nlink = 2;

  const counts = {
    fds: nodes.length,
    subBlocks,
    pointerBlocks,
    pb2Blocks,
    // ESXi keeps at least two FD clusters and eight SB clusters (the sample's counts).
    fdcResources: Math.max(2, Math.ceil(nodes.length / RESOURCES.fdc.rpc)) * RESOURCES.fdc.rpc,
    sbcResources: Math.max(8, Math.ceil(subBlocks / RESOURCES.sbc.rpc)) * RESOURCES.sbc.rpc,
  };
  const fdcLength = Math.ceil(resourceFileLength(RESOURCES.fdc, counts.fdcResources) / MiB) * MiB;
  const pes = (spec.devices ?? [{}]).reduce((s, d) => s + (d.pes ?? 1), 0);
  const volumeBlocks = (pes * 256 * MiB) / FILE_BLOCK;
  system.vh.size = VH_BLOCKS * FILE_BLOCK;
  system.fdc.size = fdcLength;
  system.fbb.size = resourceFileLength(RESOURCES.fbb, volumeBlocks);
  system.pbc.size = resourceFileLength(RESOURCES.pbc, Math.max(1, pointerBlocks));
  system.sbc.size = resourceFileLength(RESOURCES.sbc, counts.sbcResources);
  system.pb2.size = resourceFileLength(RESOURCES.pb2, Math.max(1, pb2Blocks));
  for (const key of SYSTEM_KEYS) {
    const n = system[key];
    n.blocks = Array.from({ length: Math.ceil(n.size / FILE_BLOCK) }, (_, index) => ({ index, tbz: false, volumeBlock: -1 }));
  }

  // Pass 2: volume blocks, in the sample's order.
  let next = 0;
  const place = (n: PlannedNode): void => {
    for (const b of n.blocks) b.volumeBlock = next++;
  };
  place(system.vh);
  place(system.fdc);
  place(root);
  for (const key of ['fbb', 'pbc', 'sbc', 'pb2', 'sdd'] as const) place(system[key]);
  for (const n of nodes.slice(8)) place(n);
  if (next > volumeBlocks) throw new Error(`volume "${spec.label}" needs ${next} blocks of 1 MiB but has ${volumeBlocks}: add PEs`);
  return { spec, nodes, root, volumeBlocks, system, counts, usedBlocks: next };
}

function assignAddressing(n: PlannedNode, mode: Addressing, provisioning: Provisioning): void {
  switch (mode) {
    case 'resident':
      if (n.size > RESIDENT_MAX) throw new Error(`${n.path}: ${n.size} bytes do not fit in the FD (max ${RESIDENT_MAX})`);
      n.kind = 'resident';
      n.zla = ZLA.resident;
      return;
    case 'subblock':
      if (n.size > SUB_BLOCK) throw new Error(`${n.path}: ${n.size} bytes do not fit one sub-block (max ${SUB_BLOCK})`);
      n.kind = 'subblock';
      n.zla = ZLA.subblock;
      return;
    default: {
      const capacity = { direct: FD_ADDRS, indirect: FD_ADDRS * PB_ADDRS, pb2: FD_ADDRS * PB_ADDRS, double: FD_ADDRS * PB_ADDRS * PB_ADDRS }[mode];
      if (Math.ceil(n.size / FILE_BLOCK) > capacity) throw new Error(`${n.path}: ${n.size} bytes exceed ${mode} addressing`);
      n.kind = 'block';
      n.zla = ZLA[mode];
      n.blocks = fileBlocks(n.size, n.pieces, provisioning).map((b) => ({ ...b, volumeBlock: -1 }));
    }
  }
}

/** Pointer blocks a block file needs: "1:i" covers blocks i·1024…, "2:j" covers j·2^20… (double indirect). */
export function pointerKeys(n: PlannedNode): string[] {
  if (n.zla !== ZLA.indirect && n.zla !== ZLA.pb2 && n.zla !== ZLA.double) return [];
  const keys = new Set<string>();
  for (const b of n.blocks) {
    if (n.zla === ZLA.double) keys.add(`2:${Math.floor(b.index / (PB_ADDRS * PB_ADDRS))}`);
    keys.add(`1:${Math.floor(b.index / PB_ADDRS)}`);
  }
  return [...keys];
}
