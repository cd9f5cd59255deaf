/**
 * The grain inflater answers as zlib.inflateSync with maxOutputLength = slot would:
 * inflated size, -1 for a stream that is not a complete zlib stream, -2 for one
 * that inflates past the slot — both through Node's internal zlib handle and
 * through the portable fallback used when those internals are absent.
 */
import { describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { makeInflater, inflateGrains, acquireRegion, releaseRegion } from '../src/vmdk/inflate-pool.js';

const SLOT = 65536;

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = i % 7 === 0 ? 0 : x & 0x3f; // compressible but not trivial
  }
  return b;
}

const full = zlib.deflateSync(pattern(SLOT, 1));
const short = zlib.deflateSync(pattern(5000, 2));
const tooLarge = zlib.deflateSync(pattern(SLOT + 1, 3));
const truncated = full.subarray(0, full.length - 9);
const garbage = Buffer.from('this is not a zlib stream at all, just text');
const cases: [string, Buffer, number][] = [
  ['a full grain', full, SLOT],
  ['a short last grain', short, 5000],
  ['a stream larger than the slot', tooLarge, -2],
  ['a truncated stream', truncated, -1],
  ['not zlib', garbage, -1],
  ['a full grain after errors (state is reset)', full, SLOT],
];

function run(inflate: ReturnType<typeof makeInflater>): { sizes: number[]; out: Buffer } {
  const input = Buffer.concat(cases.map((c) => c[1]));
  const spans = new Int32Array(cases.length * 3);
  let at = 0;
  cases.forEach((c, k) => {
    spans[3 * k] = at;
    spans[3 * k + 1] = c[1].length;
    spans[3 * k + 2] = -1;
    at += c[1].length;
  });
  const out = Buffer.alloc(cases.length * SLOT);
  const sizes = new Int32Array(cases.length);
  inflate(input, out, null, spans, 0, cases.length, SLOT, sizes);
  return { sizes: [...sizes], out };
}

describe('grain inflater', () => {
  const expected = cases.map((c) => c[2]);
  it.each([
    ['Node internal handle', zlib],
    ['portable fallback (internals absent)', { ...zlib, Inflate: class {} } as unknown as typeof zlib],
  ])('%s: sizes and bytes as inflateSync gives them', (_name, z) => {
    const { sizes, out } = run(makeInflater(z));
    expect(sizes).toEqual(expected);
    expect(out.subarray(0, SLOT).equals(pattern(SLOT, 1))).toBe(true);
    expect(out.subarray(SLOT, SLOT + 5000).equals(pattern(5000, 2))).toBe(true);
    expect(out.subarray(5 * SLOT, 6 * SLOT).equals(pattern(SLOT, 1))).toBe(true);
  });

  it('workers inflate 64 grains straight into a shared destination, the same bytes', async () => {
    const grains = Array.from({ length: 64 }, (_, i) => pattern(SLOT, 100 + i));
    const packed = grains.map((g) => zlib.deflateSync(g));
    const total = packed.reduce((a, p) => a + p.length, 0);
    const r = acquireRegion(total, 64 * SLOT);
    const spans = new Int32Array(64 * 3);
    let at = 0;
    packed.forEach((p, k) => {
      p.copy(r.input, at);
      spans[3 * k] = at;
      spans[3 * k + 1] = p.length;
      spans[3 * k + 2] = k % 2 === 0 ? (k / 2) * SLOT : -1; // even grains to dest, odd to the region's slots
      at += p.length;
    });
    const dest = Buffer.from(new SharedArrayBuffer(32 * SLOT));
    const sizes = await inflateGrains(r, spans, SLOT, dest);
    expect([...sizes]).toEqual(new Array(64).fill(SLOT));
    const got = createHash('sha256');
    const want = createHash('sha256');
    for (let k = 0; k < 64; k++) {
      got.update(k % 2 === 0 ? dest.subarray((k / 2) * SLOT, (k / 2 + 1) * SLOT) : r.output.subarray(k * SLOT, (k + 1) * SLOT));
      want.update(grains[k]!);
    }
    releaseRegion(r);
    expect(got.digest('hex')).toBe(want.digest('hex'));
  });
});
