import { describe, expect, it } from 'vitest';
import { findZeroRuns, findZeroRunsPortable } from '../src/convert/zero-scan.js';
import { native } from '../src/device/native.js';
import { parseSize } from '../src/convert/size.js';

function pairs(buf: Buffer, min: number): number[] {
  const out: number[] = [];
  findZeroRuns(buf, min, out);
  return out;
}

describe('findZeroRuns', () => {
  it('finds whole-granule zero stretches of at least -S bytes', () => {
    const b = Buffer.alloc(64 * 1024, 0xaa);
    b.fill(0, 8192, 8192 + 16384); // 16 KiB zero, 4 KiB aligned
    b.fill(0, 40960, 40960 + 4096); // exactly 4 KiB
    b.fill(0, 50000, 50000 + 3000); // shorter than a granule: data
    expect(pairs(b, 4096)).toEqual([8192, 24576, 40960, 45056]);
    expect(pairs(b, 8192)).toEqual([8192, 24576]);
    expect(pairs(b, 0)).toEqual([]);
  });

  it('uses 512-byte granules when -S is below 4 KiB, and counts a zero tail', () => {
    const b = Buffer.alloc(8192 + 700, 0x11);
    b.fill(0, 1024, 2048);
    b.fill(0, 8192); // 700-byte zero tail at the end of the chunk
    expect(pairs(b, 512)).toEqual([1024, 2048, 8192, 8892]);
  });

  it('a zero chunk is one run; a non-zero byte anywhere in a granule makes it data', () => {
    expect(pairs(Buffer.alloc(4 << 20), 4096)).toEqual([0, 4 << 20]);
    const b = Buffer.alloc(16384);
    b[4096 + 4095] = 1;
    expect(pairs(b, 4096)).toEqual([0, 4096, 8192, 16384]);
  });
});

describe('findZeroRuns with and without the addon', () => {
  it('the addon scan and the portable loop give the same pairs', () => {
    // Deterministic mix of data, zero granules, zero tails and odd lengths.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let round = 0; round < 200; round++) {
      const len = 1 + rnd(70000);
      const b = Buffer.alloc(len, 0x5a);
      for (let k = rnd(12); k > 0; k--) {
        const at = rnd(len);
        b.fill(0, at, Math.min(len, at + rnd(20000)));
      }
      if (rnd(4) === 0) b.fill(0);
      for (const min of [0, 512, 1024, 4096, 8192, 65536]) {
        const a: number[] = [];
        const p: number[] = [];
        expect(findZeroRuns(b, min, a)).toBe(findZeroRunsPortable(b, min, p));
        expect(a).toEqual(p);
      }
    }
  });

  // Under CI the addon is built by `npm ci`: without zeroRuns the test above compared the loop with itself.
  it.runIf(process.env.CI)('the addon has zeroRuns', () => {
    expect(typeof native()?.zeroRuns).toBe('function');
  });
});

describe('parseSize', () => {
  it('reads qemu-img style sizes (binary units)', () => {
    expect(parseSize('4k', '-S')).toBe(4096);
    expect(parseSize('2G', '--split')).toBe(2 ** 31);
    expect(parseSize('1.5MiB', 'x')).toBe(1.5 * 2 ** 20);
    expect(parseSize('512', 'x')).toBe(512);
    expect(() => parseSize('12Q', '--split')).toThrow(/--split: '12Q' is not a size/);
  });
});
