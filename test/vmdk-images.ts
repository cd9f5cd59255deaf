/**
 * Byte-by-byte builders for small hosted sparse VMDKs (vmdk-format §3), so
 * tests of bad input need no qemu-img: a good image is built from a model,
 * then one field is broken. Layout as VMware writes it: header at sector 0,
 * embedded descriptor at 1–20, GD at 21, GTs from 22, grains from overHead.
 */
import zlib from 'node:zlib';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { sha256 } from './helpers/hash.js';

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

// Re-exported: the tests that build images by hand take it from here with the builders.
export { sha256 };

export interface StreamSpec {
  capacity?: number;
  name?: string;
  grains: Map<number, Buffer>;
  /** VMware export layout: header gdOffset = -1, GT/GD after the grains behind markers, footer, EOS. */
  footer?: boolean;
  /** Write this LBA (sectors) into the marker of grain `badLbaGrain`. */
  badLbaGrain?: number;
}

/** A stream-optimized file (vmdk-format §4), grain size 128, 512 GTEs, grains deflated with zlib. */
export function buildStream(spec: StreamSpec): Built {
  const capacity = spec.capacity ?? 4096;
  const grainSize = 128;
  const grainBytes = grainSize * SECTOR;
  const nGrains = Math.ceil(capacity / grainSize);
  const nGts = Math.ceil(nGrains / 512);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(SECTOR);
  header.write('KDMV', 0, 'latin1');
  header.writeUInt32LE(3, 4);
  header.writeUInt32LE(0x30001, 8);
  header.writeBigUInt64LE(BigInt(capacity), 12);
  header.writeBigUInt64LE(BigInt(grainSize), 20);
  header.writeBigUInt64LE(1n, 28);
  header.writeBigUInt64LE(20n, 36);
  header.writeUInt32LE(512, 44);
  header.writeBigUInt64LE(128n, 64);
  header.set([0x0a, 0x20, 0x0d, 0x0a], 73);
  header.writeUInt16LE(1, 77);
  const desc = Buffer.alloc(20 * SECTOR);
  desc.write(descriptorText({ name: spec.name ?? 'stream.vmdk', sectors: capacity, createType: 'streamOptimized' }).replace('RW ', 'RDONLY '), 'utf8');
  const gd = Buffer.alloc(Math.ceil((nGts * 4) / SECTOR) * SECTOR);
  const gts = Buffer.alloc(nGts * 4 * SECTOR);
  const front = !spec.footer;
  // Front layout: GD at 21, GTs from 22; grains from 128 either way.
  let sector = 128;
  const grainRecords: Buffer[] = [];
  const raw = Buffer.alloc(capacity * SECTOR);
  for (const [i, data] of [...spec.grains.entries()].sort((a, b) => a[0] - b[0])) {
    const plain = Buffer.alloc(Math.min(grainBytes, raw.length - i * grainBytes));
    data.copy(plain, 0, 0, plain.length);
    plain.copy(raw, i * grainBytes);
    const z = zlib.deflateSync(plain);
    const rec = Buffer.alloc(Math.ceil((12 + z.length) / SECTOR) * SECTOR);
    rec.writeBigUInt64LE(BigInt(i === spec.badLbaGrain ? 999 * grainSize : i * grainSize), 0);
    rec.writeUInt32LE(z.length, 8);
    z.copy(rec, 12);
    gts.writeUInt32LE(sector, i * 4);
    grainRecords.push(rec);
    sector += rec.length / SECTOR;
  }
  const marker = (val: number, type: number) => {
    const m = Buffer.alloc(SECTOR);
    m.writeBigUInt64LE(BigInt(val), 0);
    m.writeUInt32LE(type, 12);
    return m;
  };
  let gdSector: number;
  const tail: Buffer[] = [];
  if (front) {
    gdSector = 21;
    for (let t = 0; t < nGts; t++) gd.writeUInt32LE(22 + t * 4, t * 4);
  } else {
    for (let t = 0; t < nGts; t++) {
      tail.push(marker(4, 1), gts.subarray(t * 2048, (t + 1) * 2048));
      gd.writeUInt32LE(sector + 1, t * 4);
      sector += 5;
    }
    tail.push(marker(gd.length / SECTOR, 2), gd);
    gdSector = sector + 1;
    sector += 1 + gd.length / SECTOR;
    const foot = Buffer.from(header);
    foot.writeBigUInt64LE(BigInt(gdSector), 56);
    tail.push(marker(1, 3), foot, Buffer.alloc(SECTOR));
    header.writeBigUInt64LE(0xffffffffffffffffn, 56);
  }
  if (front) header.writeBigUInt64LE(BigInt(gdSector), 56);
  parts.push(header, desc);
  if (front) {
    const meta = Buffer.alloc((128 - 21) * SECTOR);
    gd.copy(meta, 0);
    gts.copy(meta, SECTOR);
    parts.push(meta);
  } else {
    parts.push(Buffer.alloc((128 - 21) * SECTOR));
  }
  parts.push(...grainRecords, ...tail, ...(front ? [Buffer.alloc(SECTOR)] : []));
  const file = Buffer.concat(parts);
  const gtBase = front ? 22 * SECTOR : -1;
  return { file, raw, gdOffset: gdSector * SECTOR, gtOffset: gtBase, gteAt: (i) => gtBase + i * 4 };
}

// Evidence must come out of every command as it went in: bytes, mtime and atime.
const PAST = new Date('2020-01-01T00:00:00Z');

export interface Snap {
  bytes: string;
  mtimeMs: number;
  atimeMs: number;
}

/** Set every file's times into the past, then record bytes and times. */
export function freeze(dir: string): Map<string, Snap> {
  const m = new Map<string, Snap>();
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    const bytes = readFileSync(p).toString('base64');
    utimesSync(p, PAST, PAST);
    const st = statSync(p);
    m.set(f, { bytes, mtimeMs: st.mtimeMs, atimeMs: st.atimeMs });
  }
  return m;
}

export function expectUnchanged(dir: string, before: Map<string, Snap>): void {
  for (const [f, s] of before) {
    const st = statSync(path.join(dir, f));
    expect({ f, mtime: st.mtimeMs, atime: st.atimeMs }).toEqual({ f, mtime: s.mtimeMs, atime: s.atimeMs });
    expect(readFileSync(path.join(dir, f)).toString('base64') === s.bytes).toBe(true);
  }
}


// The one seeded damager of the fuzzers lives with the fuzzer (test/fuzz/mutate.ts).
export { damager } from './fuzz/mutate.js';
