/**
 * Finds the zero stretches inside a chunk of data that are long enough to
 * become holes (`-S`). The addon scans a whole chunk in one call; without
 * it, granules are compared against a zero page with the native memcmp
 * (Buffer.compare), which stops at the first non-zero byte, so data costs
 * one short compare per granule and zeros cost a memcmp.
 */
import { isZero } from '../device/read-helpers.js';
import { native } from '../device/native.js';

const ZERO_PAGE = Buffer.alloc(4096);
/** The addon's answer pairs, reused from chunk to chunk. */
let scratch = new Float64Array(0);

/** Holes are found at 4 KiB granularity (file system blocks), or 512 when `-S` is smaller. */
export function granuleFor(minRun: number): number {
  return minRun >= 4096 ? 4096 : 512;
}

/**
 * Fill `out` with [start, end) pairs (relative to `buf`) of zero stretches
 * of at least `minRun` bytes, made of whole granules (a zero tail shorter
 * than a granule at the end of the chunk counts too). Returns the pair count.
 * `minRun` 0 means no hole detection.
 */
export function findZeroRuns(buf: Buffer, minRun: number, out: number[]): number {
  const a = native();
  // An addon built before zeroRuns existed lacks it.
  if (!a || typeof a.zeroRuns !== 'function') return findZeroRunsPortable(buf, minRun, out);
  out.length = 0;
  if (minRun <= 0 || buf.length === 0) return 0;
  const g = granuleFor(minRun);
  const need = 2 * (Math.floor(Math.ceil(buf.length / g) / 2) + 1);
  if (scratch.length < need) scratch = new Float64Array(need);
  const count = a.zeroRuns(buf, g, minRun, scratch);
  for (let i = 0; i < 2 * count; i++) out.push(scratch[i]!);
  return count;
}

/** findZeroRuns without the addon (exported so tests hold both to the same answers). */
export function findZeroRunsPortable(buf: Buffer, minRun: number, out: number[]): number {
  out.length = 0;
  if (minRun <= 0 || buf.length === 0) return 0;
  if (buf.length >= minRun && isZero(buf)) {
    out.push(0, buf.length);
    return 1;
  }
  const g = granuleFor(minRun);
  let runStart = -1;
  for (let pos = 0; pos < buf.length; pos += g) {
    const end = Math.min(pos + g, buf.length);
    const zero = ZERO_PAGE.compare(buf, pos, end, 0, end - pos) === 0;
    if (zero) {
      if (runStart < 0) runStart = pos;
    } else if (runStart >= 0) {
      if (pos - runStart >= minRun) out.push(runStart, pos);
      runStart = -1;
    }
  }
  if (runStart >= 0 && buf.length - runStart >= minRun) out.push(runStart, buf.length);
  return out.length / 2;
}
