/**
 * Writes a COWD (VMFSSPARSE) delta file in ESXi's layout: 2048-byte header,
 * grain directory at sector 4, 4096-entry grain tables allocated when first
 * needed, 512-byte grains (vmdk-format.md §5). Only what a snapshot holds:
 * grains written by the guest; everything else falls through to the parent.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

const SECTOR = 512;
const GT_ENTRIES = 4096;
const HEADER_SECTORS = 4;

export interface CowdSpec {
  capacityBytes: number;
  /** Sectors per grain: 1 on ESXi. */
  grainSectors?: number;
  /** Guest writes: grain index → grain bytes (exactly one grain long). */
  grains: Map<number, Buffer>;
  /** Order the grains were written in (ESXi appends in guest-write order); default ascending. */
  writeOrder?: number[];
}

/** Write `spec` to `file` (must not exist). Returns the file size. */
export function writeCowdFile(file: string, spec: CowdSpec): number {
  const grainSectors = spec.grainSectors ?? 1;
  const grainBytes = grainSectors * SECTOR;
  const capSectors = spec.capacityBytes / SECTOR;
  if (!Number.isInteger(capSectors) || capSectors > 0xffffffff) throw new RangeError('COWD capacity must be whole sectors below 2 TiB');
  const numGD = Math.ceil(capSectors / (GT_ENTRIES * grainSectors));
  const gdSectors = Math.ceil((numGD * 4) / SECTOR);
  const gd = Buffer.alloc(gdSectors * SECTOR);
  const tables = new Map<number, Buffer>();
  let next = HEADER_SECTORS + gdSectors;
  // Tables first, in the order their grains are written, then the grains.
  const order = spec.writeOrder ?? [...spec.grains.keys()].sort((a, b) => a - b);
  if (order.length !== spec.grains.size || order.some((g) => !spec.grains.has(g))) throw new RangeError('writeOrder must list every grain once');
  for (const g of order) {
    const t = Math.floor(g / GT_ENTRIES);
    if (!tables.has(t)) {
      tables.set(t, Buffer.alloc(GT_ENTRIES * 4));
      gd.writeUInt32LE(next, t * 4);
      next += (GT_ENTRIES * 4) / SECTOR;
    }
  }
  const fd = openSync(file, 'wx');
  try {
    for (const g of order) {
      const data = spec.grains.get(g)!;
      if (data.length !== grainBytes) throw new RangeError(`grain ${g} is ${data.length} bytes, not ${grainBytes}`);
      if (g * grainSectors >= capSectors) throw new RangeError(`grain ${g} is past the capacity`);
      tables.get(Math.floor(g / GT_ENTRIES))!.writeUInt32LE(next, (g % GT_ENTRIES) * 4);
      writeSync(fd, data, 0, data.length, next * SECTOR);
      next += grainSectors;
    }
    const h = Buffer.alloc(HEADER_SECTORS * SECTOR);
    h.write('COWD', 0, 'latin1');
    h.writeUInt32LE(1, 4); // version
    h.writeUInt32LE(3, 8); // flags, as ESXi writes them
    h.writeUInt32LE(capSectors, 12);
    h.writeUInt32LE(grainSectors, 16);
    h.writeUInt32LE(HEADER_SECTORS, 20); // gdOffset
    h.writeUInt32LE(numGD, 24);
    h.writeUInt32LE(next, 28); // freeSector
    writeSync(fd, h, 0, h.length, 0);
    writeSync(fd, gd, 0, gd.length, HEADER_SECTORS * SECTOR);
    for (const [t, gt] of tables) writeSync(fd, gt, 0, gt.length, gd.readUInt32LE(t * 4) * SECTOR);
    ftruncateSync(fd, next * SECTOR);
  } finally {
    closeSync(fd);
  }
  return next * SECTOR;
}
