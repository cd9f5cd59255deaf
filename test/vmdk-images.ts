/**
 * Byte-by-byte builders for small hosted sparse VMDKs (vmdk-format §3), so
 * tests of bad input need no qemu-img: a good image is built from a model,
 * then one field is broken. Layout as VMware writes it: header at sector 0,
 * embedded descriptor at 1–20, GD at 21, GTs from 22, grains from overHead.
 */
import { createHash } from 'node:crypto';

export const SECTOR = 512;

export interface SparseSpec {
  /** Capacity in sectors (default 4096 = 2 MiB). */
  capacity?: number;
  grainSize?: number;
  gtes?: number;
  /** Embedded descriptor text (default: a monolithicSparse naming `name`). */
  descriptor?: string;
  name?: string;
  cid?: string;
  parentCid?: string;
  parentHint?: string;
  /** Grain index → content (grainSize × 512 bytes, or shorter: zero-padded). */
  grains?: Map<number, Buffer>;
  /** Grain indices stored as zeroed-grain GTEs (value 1; sets flag bit 2). */
  zeroed?: number[];
  version?: number;
}

export interface Built {
  file: Buffer;
  /** The virtual disk the image describes. */
  raw: Buffer;
  gdOffset: number;
  gtOffset: number;
  /** Byte offset of grain i's GTE. */
  gteAt(i: number): number;
}

export function descriptorText(o: { name: string; sectors: number; cid?: string; parentCid?: string; parentHint?: string; createType?: string; type?: string }): string {
  return [
    '# Disk DescriptorFile',
    'version=1',
    `CID=${o.cid ?? '1234abcd'}`,
    `parentCID=${o.parentCid ?? 'ffffffff'}`,
    `createType="${o.createType ?? 'monolithicSparse'}"`,
    ...(o.parentHint ? [`parentFileNameHint="${o.parentHint}"`] : []),
    '',
    '# Extent description',
    `RW ${o.sectors} ${o.type ?? 'SPARSE'} "${o.name}"`,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.adapterType = "lsilogic"',
    'ddb.virtualHWVersion = "14"',
    '',
  ].join('\n');
}

/** A deterministic, non-zero pattern for grain `i`. */
export function pattern(i: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let k = 0; k < bytes; k += 4) b.writeUInt32LE((i * 2654435761 + k * 40503 + 1) >>> 0, k);
  return b;
}

export function buildSparse(spec: SparseSpec = {}): Built {
  const capacity = spec.capacity ?? 4096;
  const grainSize = spec.grainSize ?? 128;
  const gtes = spec.gtes ?? 512;
  const name = spec.name ?? 'disk.vmdk';
  const grainBytes = grainSize * SECTOR;
  const nGrains = Math.ceil(capacity / grainSize);
  const nGts = Math.ceil(nGrains / gtes);
  const gdSectors = Math.ceil((nGts * 4) / SECTOR);
  const gtSectors = Math.ceil((gtes * 4) / SECTOR);
  const gdSector = 21;
  const gtSector = gdSector + gdSectors;
  const overHead = Math.ceil((gtSector + nGts * gtSectors) / grainSize) * grainSize;
  const grains = [...(spec.grains ?? new Map<number, Buffer>()).entries()].sort((a, b) => a[0] - b[0]);
  const size = (overHead + grains.length * grainSize) * SECTOR;
  const file = Buffer.alloc(size);
  const zeroed = spec.zeroed ?? [];

  file.write('KDMV', 0, 'latin1');
  file.writeUInt32LE(spec.version ?? (zeroed.length ? 2 : 1), 4);
  file.writeUInt32LE(0x3 | (zeroed.length ? 0x4 : 0), 8);
  file.writeBigUInt64LE(BigInt(capacity), 12);
  file.writeBigUInt64LE(BigInt(grainSize), 20);
  file.writeBigUInt64LE(1n, 28);
  file.writeBigUInt64LE(20n, 36);
  file.writeUInt32LE(gtes, 44);
  file.writeBigUInt64LE(BigInt(gdSector), 48); // redundant GD = the primary (a valid copy)
  file.writeBigUInt64LE(BigInt(gdSector), 56);
  file.writeBigUInt64LE(BigInt(overHead), 64);
  file.set([0x0a, 0x20, 0x0d, 0x0a], 73);
  const text = spec.descriptor ?? descriptorText({ name, sectors: capacity, cid: spec.cid, parentCid: spec.parentCid, parentHint: spec.parentHint });
  file.write(text, SECTOR, 'utf8');
  for (let t = 0; t < nGts; t++) file.writeUInt32LE(gtSector + t * gtSectors, gdSector * SECTOR + t * 4);
  const gteAt = (i: number) => (gtSector + Math.floor(i / gtes) * gtSectors) * SECTOR + (i % gtes) * 4;

  const raw = Buffer.alloc(capacity * SECTOR);
  grains.forEach(([i, data], k) => {
    const sector = overHead + k * grainSize;
    file.writeUInt32LE(sector, gteAt(i));
    const d = data.subarray(0, grainBytes);
    d.copy(file, sector * SECTOR);
    d.copy(raw, i * grainBytes, 0, Math.min(d.length, raw.length - i * grainBytes));
  });
  for (const i of zeroed) {
    file.writeUInt32LE(1, gteAt(i));
    raw.fill(0, i * grainBytes, Math.min(raw.length, (i + 1) * grainBytes));
  }
  return { file, raw, gdOffset: gdSector * SECTOR, gtOffset: gtSector * SECTOR, gteAt };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
