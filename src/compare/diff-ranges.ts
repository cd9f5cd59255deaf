/**
 * Exact differing byte ranges between two buffers (or a buffer and zeros):
 * whole chunks and 4 KiB blocks are compared with native memcmp
 * (Buffer.equals), and only a block that differs is walked byte by byte.
 */

export interface ByteRange {
  offset: number;
  length: number;
}

const BLOCK = 4096;
const ZEROS = Buffer.alloc(4 << 20);

/** Collects ranges, joining ones that touch (across chunk edges too), up to a limit. */
export class RangeCollector {
  readonly ranges: ByteRange[] = [];
  /** Set when a range beyond the limit was found: the scan may stop. */
  overflow = false;
  differingBytes = 0;

  /** @param limit most ranges to keep (0 = all). */
  constructor(private readonly limit: number) {}

  get first(): number | undefined {
    return this.ranges[0]?.offset;
  }

  add(offset: number, length: number): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last && last.offset + last.length === offset) {
      last.length += length;
      this.differingBytes += length;
      return;
    }
    if (this.limit > 0 && this.ranges.length >= this.limit) {
      this.overflow = true;
      return;
    }
    this.ranges.push({ offset, length });
    this.differingBytes += length;
  }
}

/** Compare `a` with `b` (null = zeros) over `length` bytes that start at device offset `base`. */
export function diffInto(out: RangeCollector, base: number, a: Buffer | null, b: Buffer | null, length: number): void {
  if (a === null && b === null) return;
  const other = (x: Buffer | null, from: number, to: number): Buffer => (x ? x.subarray(from, to) : zeroSlice(to - from));
  if (other(a, 0, length).equals(other(b, 0, length))) return;
  for (let i = 0; i < length && !out.overflow; i += BLOCK) {
    const e = Math.min(length, i + BLOCK);
    if (other(a, i, e).equals(other(b, i, e))) continue;
    let runStart = -1;
    for (let j = i; j < e; j++) {
      const differs = (a ? a[j]! : 0) !== (b ? b[j]! : 0);
      if (differs && runStart < 0) runStart = j;
      else if (!differs && runStart >= 0) {
        out.add(base + runStart, j - runStart);
        runStart = -1;
      }
    }
    if (runStart >= 0) out.add(base + runStart, e - runStart);
  }
}

function zeroSlice(n: number): Buffer {
  if (n <= ZEROS.length) return ZEROS.subarray(0, n);
  return Buffer.alloc(n);
}
