/**
 * Writes an SESparse 2.1 delta file with the header layout of the real ESXi
 * sample (vmdk-format.md §6): constant header, volatile header at sector 1,
 * journal header at 2, then fixed 2048-sector regions for journal, grain
 * directory, grain tables, free bitmap and back map, grains from sector
 * 12288. 4 KiB grains, 4096-entry (32 KiB) grain tables.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

const SECTOR = 512;
const GRAIN_SECTORS = 8;
const GT_SECTORS = 64;
const GT_ENTRIES = (GT_SECTORS * SECTOR) / 8;
const REGION = 2048; // sectors, as in the ESXi sample
const JOURNAL = 2048;
const GD = JOURNAL + REGION;
const GTS = GD + REGION;
const BITMAP = GTS + REGION;
const BACKMAP = BITMAP + REGION;
const GRAINS = BACKMAP + REGION;

/** A grain the guest wrote (`Buffer`, 4 KiB), zeroed (`zero`, type 2) or unmapped by SCSI UNMAP (`unmap`, type 1). */
export type SesparseGrain = Buffer | 'zero' | 'unmap';

export interface SesparseSpec {
  capacityBytes: number;
  grains: Map<number, SesparseGrain>;
  /** Test hook: set the volatile header's replayJournal field. */
  replayJournal?: boolean;
}

const TYPE_UNMAPPED = 0x1000000000000000n;
const TYPE_ZERO = 0x2000000000000000n;
const TYPE_ALLOCATED = 0x3000000000000000n;
const GD_ALLOCATED = 0x1000000000000000n;

/** Grain table entry for allocated grain number `n` (qemu's and ESXi's bit order). */
export function allocatedEntry(n: number): bigint {
  const b = BigInt(n);
  return TYPE_ALLOCATED | ((b & 0xfffn) << 48n) | (b >> 12n);
}

/** Write `spec` to `file` (must not exist). Returns the file size. */
export function writeSesparseFile(file: string, spec: SesparseSpec): number {
  const capSectors = spec.capacityBytes / SECTOR;
  if (!Number.isInteger(capSectors)) throw new RangeError('capacity must be whole sectors');
  const grainBytes = GRAIN_SECTORS * SECTOR;
  if (Math.ceil(capSectors / (GRAIN_SECTORS * GT_ENTRIES)) > (REGION * SECTOR) / 8) throw new RangeError('disk too large for this layout');
  const gd = Buffer.alloc(REGION * SECTOR);
  const tables: Buffer[] = [];
  const tableOf = new Map<number, Buffer>();
  let nextGrain = 0;
  const order = [...spec.grains.keys()].sort((a, b) => a - b);
  const fd = openSync(file, 'wx');
  try {
    for (const g of order) {
      if (g * GRAIN_SECTORS >= capSectors) throw new RangeError(`grain ${g} is past the capacity`);
      const t = Math.floor(g / GT_ENTRIES);
      let gt = tableOf.get(t);
      if (!gt) {
        gt = Buffer.alloc(GT_SECTORS * SECTOR);
        gd.writeBigUInt64LE(GD_ALLOCATED | BigInt(tables.length), t * 8);
        tables.push(gt);
        tableOf.set(t, gt);
      }
      const v = spec.grains.get(g)!;
      let e: bigint;
      if (v === 'zero') e = TYPE_ZERO;
      else if (v === 'unmap') e = TYPE_UNMAPPED;
      else {
        if (v.length !== grainBytes) throw new RangeError(`grain ${g} is ${v.length} bytes, not ${grainBytes}`);
        writeSync(fd, v, 0, v.length, (GRAINS + nextGrain * GRAIN_SECTORS) * SECTOR);
        e = allocatedEntry(nextGrain++);
      }
      gt.writeBigUInt64LE(e, (g % GT_ENTRIES) * 8);
    }
    const h = Buffer.alloc(SECTOR);
    const fields: Array<[number, bigint]> = [
      [0x00, 0xcafebaben],
      [0x08, 0x200000001n],
      [0x10, BigInt(capSectors)],
      [0x18, BigInt(GRAIN_SECTORS)],
      [0x20, BigInt(GT_SECTORS)],
      [0x50, 1n], [0x58, 1n], // volatile header
      [0x60, 2n], [0x68, 2n], // journal header
      [0x70, BigInt(JOURNAL)], [0x78, BigInt(REGION)],
      [0x80, BigInt(GD)], [0x88, BigInt(REGION)],
      [0x90, BigInt(GTS)], [0x98, BigInt(REGION)],
      [0xa0, BigInt(BITMAP)], [0xa8, BigInt(REGION)],
      [0xb0, BigInt(BACKMAP)], [0xb8, BigInt(REGION)],
      [0xc0, BigInt(GRAINS)], [0xc8, BigInt(capSectors)],
    ];
    for (const [off, v] of fields) h.writeBigUInt64LE(v, off);
    writeSync(fd, h, 0, SECTOR, 0);
    const vh = Buffer.alloc(SECTOR);
    vh.writeBigUInt64LE(0xcafecafen, 0);
    vh.writeBigUInt64LE(BigInt(tables.length), 8); // freeGTNumber
    vh.writeBigUInt64LE(1n, 16); // nextTxnSeqNumber
    vh.writeBigUInt64LE(spec.replayJournal ? 1n : 0n, 24);
    writeSync(fd, vh, 0, SECTOR, SECTOR);
    const jh = Buffer.alloc(SECTOR);
    jh.writeUInt32LE(0xdeafc0de, 0); // journal header magic seen in the ESXi sample
    writeSync(fd, jh, 0, SECTOR, 2 * SECTOR);
    writeSync(fd, gd, 0, gd.length, GD * SECTOR);
    tables.forEach((gt, i) => writeSync(fd, gt, 0, gt.length, (GTS + i * GT_SECTORS) * SECTOR));
    const size = (GRAINS + nextGrain * GRAIN_SECTORS) * SECTOR;
    ftruncateSync(fd, size);
    return size;
  } finally {
    closeSync(fd);
  }
}
