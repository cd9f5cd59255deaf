/**
 * VMFS-5 volume builder for tests: lays out a volume the way ESXi does (the
 * layout copied from the ESXi-made sample esxi-vmfs5-small.bin.gz: LVM 5.21,
 * FS 14.81, 1 MiB file blocks, 8 KiB dense sub-blocks, the same resource-file
 * geometry, system FDs and block order) and writes it as a sparse file.
 * Deterministic: the same spec gives the same bytes (UUIDs and times come
 * from the spec).
 *
 * STABLE API (other corpus builders rely on it; add, do not change):
 *
 *   import { buildVmfs5, datastorePath } from '<root>/dist/corpus/builders/vmfs5/index.js';
 *
 *   const spec: VolumeSpec = {
 *     label: 'DS1', createTime: 1700000000, uuidSeed: 7,
 *     partitionTable: 'gpt',                // 'none' (bare partition, default) | 'gpt' | 'mbr'
 *     devices: [{ pes: 1 }],                // one LUN of 256 MiB; [{pes:1},{pes:1}] = spanned over two LUNs
 *     root: [{ type: 'dir', name: 'VM', children: [
 *       { type: 'file', name: 'VM-flat.vmdk', content: { kind: 'file', path: '/tmp/base.raw' } },
 *       { type: 'file', name: 'VM-000001-delta.vmdk', content: { kind: 'bytes', data: cowdBytes } },
 *       { type: 'file', name: 'VM-000001.vmdk', content: { kind: 'text',
 *           text: `parentFileNameHint="${datastorePath(spec)}/VM/VM.vmdk"\n...` } },
 *     ] }],
 *   };
 *   const built = await buildVmfs5(spec, '/tmp/out/ds1.img');
 *   built.images          // [{ path, size, sha256 }] — one per LUN (spanned: 'ds1.img', 'ds1-ext1.img')
 *   built.fsUuid          // '65530000-....-....-000c29......' (also datastorePath(spec) before building)
 *   built.files           // every node: path, type, mode, size, mtime, FD address, addressing, pieces
 *
 * Content (see content.ts): { kind: 'pattern', seed, length } | { kind: 'text', text } |
 * { kind: 'bytes', data } | { kind: 'file', path, offset?, length? } | { kind: 'zeros', length }.
 * A file is `content` (from offset 0) and/or `pieces` [{ offset, content }] with
 * `size` (logical length) — everything not covered is a hole (thin) or TBZ
 * (provisioning 'lazy'). Addressing follows ESXi (resident ≤ 1 KiB, one
 * sub-block ≤ 8 KiB, direct ≤ 256 MiB, single indirect ≤ 256 GiB, double
 * indirect above) unless `addressing` forces one ('pb2': single indirect via
 * .pb2.sf, ZLA 5, only when asked). Names: 1–127 UTF-8 bytes.
 * Volume size: 256 MiB per PE; blocks in use must fit (thin holes cost none).
 *
 * Fidelity: rebuilding the ESXi sample's own tree reproduces its LVM tables,
 * descriptor fields, resource headers, system FDs, root and .sdd.sf
 * directories and user FD metadata byte for byte (test/vmfs-builder.test.ts).
 * Guesses, because no real image shows them: both pointer-block levels of a
 * double-indirect file live in .pbc.sf (type 3); an RDM FD is ZLA 0x10D1 with
 * the mapped LUN's SCSI id in its data area; spanned-volume LVM fields (one PE
 * entry per LUN, SD table on LUN 0 naming all); sub-blocks are handed out
 * from cluster 0 on (ESXi spreads them); no per-host journal block and all
 * heartbeats free (a cleanly unmounted volume); lock blocks carry only magic,
 * own offset and the "unlocked" mode 1.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openContent, sha256OfPiece, sha256OfPieces, type Content } from './content.js';
import { emitVolume, deviceSize, type Identity, type VolumeSink } from './emit.js';
import { FD_TYPE, FILE_BLOCK, LVM_DATA_OFFSET, PE_SIZE, ZLA, makeUuid, uuidText } from './geometry.js';
import { partitionTable } from './partition.js';
import { planVolume, type PlannedNode } from './plan.js';
import { SparseImage } from './sparse-image.js';
import { writeThroughPes } from '../pe-router.js';
import type { VolumeSpec } from './spec.js';

export type * from './spec.js';
export type { Content } from './content.js';

export interface BuiltImage {
  path: string;
  size: number;
  sha256: string;
  /** Byte offset of the VMFS partition in this image (0 bare, 1 MiB with GPT/MBR). */
  partitionOffset: number;
}

export type BuiltType = 'dir' | 'file' | 'symlink' | 'system' | 'rdm';

export interface BuiltFile {
  path: string;
  type: BuiltType;
  /** VMFS mode field as stored (permission bits; .sdd.sf also carries 040000). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  fdAddress: number;
  addressing: 'resident' | 'subblock' | 'direct' | 'indirect' | 'pb2' | 'double';
  /** 1 MiB blocks allocated / of them to-be-zeroed. */
  blocks: number;
  tbzBlocks: number;
  symlinkTarget?: string;
  /** The logical content's sha256, computed on demand (slow for huge files: use pieceHashes). */
  sha256(): string;
  /** Data pieces (offset, length, sha256); the rest of the file reads as zeros. */
  pieceHashes(): Array<{ offset: number; length: number; sha256: string }>;
}

export interface BuildResult {
  images: BuiltImage[];
  label: string;
  fsUuid: string;
  lvUuid: string;
  files: BuiltFile[];
  /** File blocks the bitmap marks free, and the block size (1 MiB). */
  freeBlocks: number;
  blockSize: number;
  /** Where each `spec.residue` entry was written: volume byte offset, length, sha256. */
  residue: Array<{ volumeOffset: number; length: number; sha256: string }>;
}

function contentBytes(c: Content): Buffer {
  const src = openContent(c);
  const buf = Buffer.alloc(src.length);
  src.readInto(buf, 0);
  return buf;
}

function identity(spec: VolumeSpec): Identity {
  const n = (spec.devices ?? [{}]).length;
  const u = (role: number): Buffer => makeUuid(spec.createTime, spec.uuidSeed, role);
  return { fsUuid: u(1), lvUuid: u(2), hostUuid: u(3), deviceUuids: Array.from({ length: n }, (_, d) => u(10 + d)) };
}

/** `/vmfs/volumes/<fs uuid>`: how ESXi names this datastore in absolute paths (parent hints, symlinks). */
export function datastorePath(spec: VolumeSpec): string {
  return `/vmfs/volumes/${uuidText(identity(spec).fsUuid)}`;
}

/** Image path of device d: the given path for d = 0, "<name>-ext<d><ext>" for the others. */
export function devicePath(outPath: string, d: number): string {
  if (d === 0) return outPath;
  const ext = path.extname(outPath);
  return `${outPath.slice(0, outPath.length - ext.length)}-ext${d}${ext}`;
}

const ADDRESSING: Record<number, BuiltFile['addressing']> = {
  [ZLA.resident]: 'resident', [ZLA.subblock]: 'subblock', [ZLA.direct]: 'direct', [ZLA.indirect]: 'indirect', [ZLA.pb2]: 'pb2', [ZLA.double]: 'double',
};
const TYPE_NAME: Record<number, BuiltType> = { [FD_TYPE.dir]: 'dir', [FD_TYPE.file]: 'file', [FD_TYPE.symlink]: 'symlink', [FD_TYPE.system]: 'system', [FD_TYPE.rdm]: 'rdm' };

function describe(n: PlannedNode): BuiltFile {
  return {
    path: n.path, type: TYPE_NAME[n.typeCode]!, mode: n.mode, nlink: n.nlink, uid: n.uid, gid: n.gid, size: n.size, mtime: n.mtime,
    fdAddress: n.address, addressing: ADDRESSING[n.zla]!, blocks: n.kind === 'block' ? n.blocks.length : n.kind === 'subblock' ? 1 : 0,
    tbzBlocks: n.blocks.filter((b) => b.tbz).length,
    symlinkTarget: n.spec?.type === 'symlink' ? n.spec.target : undefined,
    sha256: () => sha256OfPieces(n.pieces, n.size),
    pieceHashes: () => n.pieces.map((p) => ({ offset: p.offset, length: p.source.length, sha256: sha256OfPiece(p) })),
  };
}

export async function buildVmfs5(spec: VolumeSpec, outPath: string): Promise<BuildResult> {
  const plan = planVolume(spec);
  const id = identity(spec);
  const devices = spec.devices ?? [{}];
  mkdirSync(path.dirname(outPath), { recursive: true });
  let firstPe = 0;
  const layout = devices.map((dev, d) => {
    const pes = dev.pes ?? 1;
    const table = partitionTable(spec.partitionTable ?? 'none', deviceSize(pes), makeUuid(spec.createTime, spec.uuidSeed, 20 + d), makeUuid(spec.createTime, spec.uuidSeed, 30 + d));
    const image = new SparseImage(devicePath(outPath, d), table.lunSize);
    const entry = { image, table, start: firstPe * PE_SIZE, end: (firstPe + pes) * PE_SIZE };
    firstPe += pes;
    return entry;
  });
  try {
    const runs = layout.map((l) => ({ start: l.start, end: l.end, base: l.table.partitionOffset + LVM_DATA_OFFSET, image: l.image }));
    const sink: VolumeSink = {
      writeDevice: (d, offset, data) => layout[d]!.image.write(layout[d]!.table.partitionOffset + offset, data),
      writeVolume: (offset, data) => writeThroughPes(runs, offset, data),
    };
    for (const l of layout) for (const w of l.table.writes) l.image.write(w.offset, w.data);
    emitVolume(plan, id, sink);
    const residue = (spec.residue ?? []).map((r) => {
      const block = plan.volumeBlocks - 1 - r.fromEnd;
      const data = contentBytes(r.content);
      const offset = r.offset ?? 0;
      if (block < plan.usedBlocks || offset + data.length > FILE_BLOCK) throw new Error(`residue at block ${block} + ${offset} (${data.length} bytes): not inside one free block (blocks ${plan.usedBlocks}..${plan.volumeBlocks - 1} are free)`);
      sink.writeVolume(block * FILE_BLOCK + offset, data);
      return { volumeOffset: block * FILE_BLOCK + offset, length: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    });
    const images = layout.map((l) => ({ path: l.image.path, size: l.image.size, sha256: l.image.finish(), partitionOffset: l.table.partitionOffset }));
    return { images, label: spec.label, fsUuid: uuidText(id.fsUuid), lvUuid: uuidText(id.lvUuid), files: plan.nodes.map(describe), freeBlocks: plan.volumeBlocks - plan.usedBlocks, blockSize: FILE_BLOCK, residue };
  } catch (e) {
    for (const l of layout) l.image.abandon();
    throw e;
  }
}
