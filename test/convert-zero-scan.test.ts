import { describe, expect, it } from 'vitest';
import { findZeroRuns } from '../src/convert/zero-scan.js';
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

describe('parseSize', () => {
  it('reads qemu-img style sizes (binary units)', () => {
    expect(parseSize('4k', '-S')).toBe(4096);
    expect(parseSize('2G', '--split')).toBe(2 ** 31);
    expect(parseSize('1.5MiB', 'x')).toBe(1.5 * 2 ** 20);
    expect(parseSize('512', 'x')).toBe(512);
    expect(() => parseSize('12Q', '--split')).toThrow(/--split: '12Q' is not a size/);
  });
});
