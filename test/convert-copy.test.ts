/**
 * The copy pass against an in-memory device and a recording sink: which
 * ranges become holes under -S, including zero stretches that cross a
 * read-chunk boundary, and that the bytes handed over equal the source.
 */
import { describe, expect, it } from 'vitest';
import { copyDevice } from '../src/convert/copy.js';
import type { Sink } from '../src/convert/sink.js';
import type { BlockDevice, Run } from '../src/device/block-device.js';

const KiB = 1024;

/** A device over a buffer; `zero` ranges are reported by map() as known zeros. */
function memDevice(bytes: Buffer, zero: Array<[number, number]> = []): BlockDevice {
  return {
    size: bytes.length,
    name: 'mem',
    async read(buf, offset) {
      const n = Math.min(buf.length, bytes.length - offset);
      bytes.copy(buf, 0, offset, offset + n);
      return n;
    },
    async map(offset, length) {
      const end = Math.min(offset + length, bytes.length);
      const runs: Run[] = [];
      let pos = offset;
      for (const [s, e] of zero) {
        if (e <= pos || s >= end) continue;
        if (s > pos) runs.push({ offset: pos, length: s - pos, kind: 'data' });
        runs.push({ offset: Math.max(s, pos), length: Math.min(e, end) - Math.max(s, pos), kind: 'zero' });
        pos = Math.min(e, end);
      }
      if (pos < end) runs.push({ offset: pos, length: end - pos, kind: 'data' });
      return runs;
    },
    async close() {},
  };
}

/** Records holes and rebuilds the output in memory. */
function recorder(size: number) {
  const out = Buffer.alloc(size, 0xee); // never-written bytes stand out
  const holes: Array<[number, number]> = [];
  let last = 0;
  const sink: Sink = {
    sparse: true,
    async write(data, offset) {
      expect(offset).toBeGreaterThanOrEqual(last); // ascending, no overlap
      data.copy(out, offset);
      last = offset + data.length;
    },
    async hole(offset, length) {
      expect(offset).toBeGreaterThanOrEqual(last);
      out.fill(0, offset, offset + length);
      holes.push([offset, offset + length]);
      last = offset + length;
    },
    async finish() {
      return [];
    },
    async abort() {
      return [];
    },
    abortSync() {
      return [];
    },
  };
  return { sink, out, holes };
}

describe('copyDevice with holes', () => {
  const chunk = 64 * KiB;
  const src = Buffer.alloc(4 * chunk, 0x33);
  src.fill(0, chunk - 16 * KiB, chunk + 16 * KiB); // 32 KiB of zeros across the first chunk boundary
  src.fill(0, 2 * chunk + 4 * KiB, 2 * chunk + 12 * KiB); // 8 KiB inside chunk 3

  it('a zero stretch across a chunk boundary is one hole when together it reaches -S', async () => {
    const r = recorder(src.length);
    const stats = await copyDevice(memDevice(src), r.sink, { sparse: 32 * KiB, chunkSize: chunk });
    expect(r.out.equals(src)).toBe(true);
    expect(r.holes).toEqual([[chunk - 16 * KiB, chunk + 16 * KiB]]);
    expect(stats.holes).toBe(32 * KiB);
    expect(stats.written + stats.holes).toBe(src.length);
  });

  it('shorter stretches are written; -S 4k makes both holes', async () => {
    const big = recorder(src.length);
    await copyDevice(memDevice(src), big.sink, { sparse: 64 * KiB, chunkSize: chunk });
    expect(big.out.equals(src)).toBe(true);
    expect(big.holes).toEqual([]);
    const small = recorder(src.length);
    await copyDevice(memDevice(src), small.sink, { sparse: 4 * KiB, chunkSize: chunk });
    expect(small.out.equals(src)).toBe(true);
    expect(small.holes).toEqual([
      [chunk - 16 * KiB, chunk + 16 * KiB],
      [2 * chunk + 4 * KiB, 2 * chunk + 12 * KiB],
    ]);
  });

  it('zero runs known from the map are holes whatever their length, joined with adjacent zeros', async () => {
    const b = Buffer.alloc(2 * chunk, 0x44);
    b.fill(0, 8 * KiB, 20 * KiB); // 4 KiB found in data + an 8 KiB known zero run
    const r = recorder(b.length);
    await copyDevice(memDevice(b, [[12 * KiB, 20 * KiB]]), r.sink, { sparse: 1 << 20, chunkSize: chunk });
    expect(r.out.equals(b)).toBe(true);
    expect(r.holes).toEqual([[8 * KiB, 20 * KiB]]);
  });
});
