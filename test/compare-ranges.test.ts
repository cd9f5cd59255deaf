/**
 * The differing-range scanner behind compare: exact byte ranges, found with
 * block-wise memcmp and a byte walk only inside differing 4 KiB blocks;
 * ranges that touch across chunk edges are joined; zeros stand in for a
 * side whose map says zero.
 */
import { describe, expect, it } from 'vitest';
import { RangeCollector, diffInto } from '../src/compare/diff-ranges.js';
import { pattern } from './hash-pattern.js';

/** Reference: a plain byte loop. */
function naive(a: Buffer, b: Buffer): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const last = out[out.length - 1];
    if (last && last.offset + last.length === i) last.length++;
    else out.push({ offset: i, length: 1 });
  }
  return out;
}

describe('diffInto / RangeCollector', () => {
  it('equals a byte-by-byte scan, fed in chunks of odd sizes (ranges across chunk edges joined)', () => {
    const a = pattern(100_000);
    const b = Buffer.from(a);
    for (const i of [0, 4095, 4096, 4097, 9999, 10000, 10001, 50000, 99_999]) b[i] ^= 0x40;
    b.fill(7, 60_000, 70_123);
    const out = new RangeCollector(0);
    for (let pos = 0; pos < a.length; pos += 9999) {
      const end = Math.min(a.length, pos + 9999);
      diffInto(out, pos, a.subarray(pos, end), b.subarray(pos, end), end - pos);
    }
    expect(out.ranges).toEqual(naive(a, b));
    expect(out.differingBytes).toBe(naive(a, b).reduce((n, r) => n + r.length, 0));
  });

  it('null stands for zeros on either side; two nulls never differ', () => {
    const a = Buffer.alloc(10_000);
    a[5] = 1;
    a[9_999] = 2;
    const out = new RangeCollector(0);
    diffInto(out, 1000, a, null, a.length);
    diffInto(out, 20_000, null, a, a.length);
    diffInto(out, 40_000, null, null, a.length);
    expect(out.ranges).toEqual([
      { offset: 1005, length: 1 },
      { offset: 10_999, length: 1 },
      { offset: 20_005, length: 1 },
      { offset: 29_999, length: 1 },
    ]);
  });

  it('stops at the limit and says so', () => {
    const a = pattern(50_000);
    const b = Buffer.from(a);
    for (let i = 0; i < 50_000; i += 1000) b[i] ^= 1;
    const out = new RangeCollector(3);
    diffInto(out, 0, a, b, a.length);
    expect(out.ranges.map((r) => r.offset)).toEqual([0, 1000, 2000]);
    expect(out.overflow).toBe(true);
  });
});
