/**
 * `map` output: runs as `qemu-img map --output=json` objects (start, length,
 * depth, present, zero, data, offset) plus `file` and `compressed`, or a
 * human table. Walks the device one window at a time so a huge, fragmented
 * disk never holds its whole map in memory.
 */
import type { BlockDevice, Run } from '../device/block-device.js';

const WINDOW = 1 << 30;

export interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  offset?: number;
  file?: string;
  compressed?: boolean;
}

function entry(r: Run & { present?: boolean }): MapEntry {
  const e: MapEntry = { start: r.offset, length: r.length, depth: r.depth ?? 0, present: r.present ?? r.kind === 'data', zero: r.kind === 'zero', data: r.kind === 'data' };
  if (r.kind === 'data' && r.fileOffset !== undefined && !r.compressed) e.offset = r.fileOffset;
  if (r.file !== undefined) e.file = r.file;
  if (r.compressed) e.compressed = true;
  return e;
}

function joins(a: MapEntry, b: MapEntry): boolean {
  if (a.start + a.length !== b.start || a.depth !== b.depth || a.present !== b.present || a.zero !== b.zero || a.data !== b.data) return false;
  if (a.file !== b.file || a.compressed !== b.compressed) return false;
  if (a.offset === undefined || b.offset === undefined) return a.offset === b.offset;
  return a.offset + a.length === b.offset;
}

/** Every merged entry of the device's map, in order. */
export async function* mapEntries(dev: BlockDevice): AsyncGenerator<MapEntry> {
  let pending: MapEntry | null = null;
  for (let w = 0; w < dev.size; w += WINDOW) {
    for (const r of await dev.map(w, Math.min(WINDOW, dev.size - w))) {
      const e = entry(r);
      if (pending && joins(pending, e)) pending.length += e.length;
      else {
        if (pending) yield pending;
        pending = e;
      }
    }
  }
  if (pending) yield pending;
}

const hex = (n: number) => '0x' + n.toString(16);

export function tableHeader(): string {
  return `${'Offset'.padEnd(20)}${'Length'.padEnd(20)}${'Depth'.padEnd(7)}${'Kind'.padEnd(12)}${'Mapped to'.padEnd(20)}File\n`;
}

export function tableLine(e: MapEntry): string {
  const kind = e.data ? (e.compressed ? 'compressed' : 'data') : e.present ? 'zero' : 'hole';
  return `${hex(e.start).padEnd(20)}${hex(e.length).padEnd(20)}${String(e.depth).padEnd(7)}${kind.padEnd(12)}${(e.offset !== undefined ? hex(e.offset) : '-').padEnd(20)}${e.file ?? ''}\n`;
}
