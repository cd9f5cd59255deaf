/**
 * VMFS-6 / VMFS-L volume builder for tests: lays a volume out the way ESXi
 * does (the layout of the ESXi-made sample esxi-vmfs6-small.bin.gz: LVM
 * 6.21 with mdAlignment 4096, FS 24.82, 1 MiB SFBs, 512 MiB LFBs, 64 KiB
 * sub-blocks, 8 KiB FDs, hashed directories, the same system files, resource
 * headers and block order) and writes it as sparse image(s). Deterministic:
 * the same spec gives the same bytes.
 *
 *   import { buildVmfs6, datastorePath } from '<root>/dist/corpus/builders/vmfs6/index.js';
 *   const built = await buildVmfs6(spec, '/tmp/out/ds.img', { table: 'gpt' });   // 'none' | 'gpt' | 'gpt-4k'
 *   built.images   // one per LUN: path, size, sha256, partitionOffset, sectorSize
 *   built.files    // every node: path, type, mode, size, mtime, FD address, addressing, blocks, pieces
 *
 * Guesses, because no real image shows them (format §16): mixed LFB/SFB files
 * (spec.ts 'mixed'); LFB bitmap states in .fbb.sf; pointer blocks of user
 * files as 64 KiB sub-blocks (or .pb2.sf resources on request); the VMFS-L
 * config bit 0x800; spanned LVM-6 fields (one PE entry per LUN, SD table on
 * LUN 0); directories in sub-blocks up to 320 of them; all heartbeats free
 * and all locks free (a cleanly unmounted volume).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sha256OfPiece, sha256OfPieces } from '../vmfs5/content.js';
import { devicePath, type BuiltFile, type BuiltType } from '../vmfs5/index.js';
import { makeUuid, uuidText } from '../vmfs5/geometry.js';
import { SparseImage } from '../vmfs5/sparse-image.js';
import { GPT_TYPES, gptWrites } from '../gpt.js';
import { writeThroughPes } from '../pe-router.js';
import { deviceSize, emitVolume, type Identity, type VolumeSink } from './emit.js';
import { FD_TYPE, LVM_DATA_OFFSET, MiB, PE_SIZE, ZLA } from './geometry.js';
import { planVolume, type PlannedNode } from './plan.js';
import type { VolumeSpec6 } from './spec.js';

export type * from './spec.js';

export type PartitionTable6 = 'none' | 'gpt' | 'gpt-4k';

export interface BuiltImage6 {
  path: string;
  size: number;
  sha256: string;
  partitionOffset: number;
  sectorSize: number;
}

export type { BuiltType };

/** A built file as the VMFS-5 builder reports one, with VMFS-6's block census in place of its 1 MiB block count. */
export interface BuiltFile6 extends Omit<BuiltFile, 'blocks'> {
  blockKind: 'sfb' | 'lfb' | 'mixed' | 'subblock' | 'resident';
  /** SFBs / LFBs / sub-blocks allocated, of them to-be-zeroed, and pointer blocks. */
  sfbs: number;
  lfbs: number;
  subBlocks: number;
  tbzBlocks: number;
  pointerBlocks: number;
}

export interface BuildResult6 {
  images: BuiltImage6[];
  label: string;
  fsUuid: string;
  lvUuid: string;
  files: BuiltFile6[];
}

export function identity(spec: VolumeSpec6): Identity {
  const n = (spec.devices ?? [{}]).length;
  const u = (role: number): Buffer => makeUuid(spec.createTime, spec.uuidSeed, role);
  return { fsUuid: u(1), lvUuid: u(2), hostUuid: u(3), deviceUuids: Array.from({ length: n }, (_, d) => u(10 + d)) };
}

/** `/vmfs/volumes/<fs uuid>`: how ESXi names the datastore in absolute paths. */
export function datastorePath(spec: VolumeSpec6): string {
  return `/vmfs/volumes/${uuidText(identity(spec).fsUuid)}`;
}

const ADDRESSING: Record<number, BuiltFile6['addressing']> = {
  [ZLA.resident]: 'resident', [ZLA.subblock]: 'subblock', [ZLA.direct]: 'direct', [ZLA.indirect]: 'indirect', [ZLA.pb2]: 'pb2', [ZLA.double]: 'double',
};
const TYPE_NAME: Record<number, BuiltType> = { [FD_TYPE.dir]: 'dir', [FD_TYPE.file]: 'file', [FD_TYPE.symlink]: 'symlink', [FD_TYPE.system]: 'system', [FD_TYPE.rdm]: 'rdm' };

function describe(n: PlannedNode): BuiltFile6 {
  return {
    path: n.path, type: TYPE_NAME[n.typeCode]!, mode: n.mode, nlink: n.nlink, uid: n.uid, gid: n.gid, size: n.size, mtime: n.mtime,
    fdAddress: n.address, addressing: ADDRESSING[n.zla]!, blockKind: n.kind === 'block' ? n.blockKind : n.kind,
    sfbs: n.blocks.filter((b) => b.kind === 'sfb').length, lfbs: n.blocks.filter((b) => b.kind === 'lfb').length, subBlocks: n.subBlocks.length,
    tbzBlocks: n.blocks.filter((b) => b.tbz).length, pointerBlocks: n.pointerBlocks.size,
    symlinkTarget: n.spec?.type === 'symlink' ? n.spec.target : undefined,
    sha256: () => sha256OfPieces(n.pieces, n.size),
    pieceHashes: () => n.pieces.map((p) => ({ offset: p.offset, length: p.source.length, sha256: sha256OfPiece(p) })),
  };
}

/** Where device d's partition starts in its image, and the table around it. */
export interface DeviceSlot {
  image: SparseImage;
  partitionOffset: number;
}

/** Write the volume onto devices already placed in images (used by buildVmfs6 and the boot-disk builder). */
export function emitVmfs6(spec: VolumeSpec6, slots: DeviceSlot[]): BuiltFile6[] {
  const plan = planVolume(spec);
  const id = identity(spec);
  const devices = spec.devices ?? [{}];
  let firstPe = 0;
  const ranges = devices.map((dev, d) => {
    const start = firstPe * PE_SIZE;
    firstPe += dev.pes ?? 1;
    return { slot: slots[d]!, start, end: firstPe * PE_SIZE };
  });
  const runs = ranges.map((r) => ({ start: r.start, end: r.end, base: r.slot.partitionOffset + LVM_DATA_OFFSET, image: r.slot.image }));
  const sink: VolumeSink = {
    writeDevice: (d, offset, data) => ranges[d]!.slot.image.write(ranges[d]!.slot.partitionOffset + offset, data),
    writeVolume: (offset, data) => writeThroughPes(runs, offset, data),
  };
  emitVolume(plan, id, sink);
  return plan.nodes.map(describe);
}

/** Device bytes of a VMFS-6 partition with `pes` 256 MiB extents (17 MiB of LVM metadata first). */
export function partitionBytes(pes: number): number {
  return deviceSize(pes);
}

export async function buildVmfs6(spec: VolumeSpec6, outPath: string, opts: { table?: PartitionTable6 } = {}): Promise<BuildResult6> {
  const table = opts.table ?? 'none';
  const devices = spec.devices ?? [{}];
  mkdirSync(path.dirname(outPath), { recursive: true });
  const id = identity(spec);
  const sectorSize = table === 'gpt-4k' ? 4096 : 512;
  const images = devices.map((dev, d) => {
    const part = deviceSize(dev.pes ?? 1);
    if (table === 'none') return { image: new SparseImage(devicePath(outPath, d), part), partitionOffset: 0 };
    // ESXi puts the VMFS partition at LBA 2048 of 512-byte sectors; on a 4Kn LUN at 1 MiB too (LBA 256).
    const partitionOffset = MiB;
    const lunSize = partitionOffset + part + MiB;
    const image = new SparseImage(devicePath(outPath, d), lunSize);
    const first = partitionOffset / sectorSize;
    const writes = gptWrites(lunSize, sectorSize, makeUuid(spec.createTime, spec.uuidSeed, 20 + d), [
      { type: GPT_TYPES.vmfs, partGuid: makeUuid(spec.createTime, spec.uuidSeed, 30 + d), firstLba: first, lastLba: first + part / sectorSize - 1 },
    ]);
    for (const w of writes) image.write(w.offset, w.data);
    return { image, partitionOffset };
  });
  try {
    const files = emitVmfs6(spec, images);
    const built = images.map((s) => ({ path: s.image.path, size: s.image.size, sha256: s.image.finish(), partitionOffset: s.partitionOffset, sectorSize }));
    return { images: built, label: spec.label, fsUuid: uuidText(id.fsUuid), lvUuid: uuidText(id.lvUuid), files };
  } catch (e) {
    for (const s of images) s.image.abandon();
    throw e;
  }
}
