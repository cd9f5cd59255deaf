/**
 * FileDevice on a sparse host file: holes read as zeros, and map() reports
 * them as zero runs (SEEK_DATA/SEEK_HOLE through the native addon) so that
 * hash/convert/compare skip them. Expected runs are the ones the test wrote:
 * data extents at 64 KiB-aligned offsets (ext4/tmpfs allocate in 4 KiB blocks).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { FileDevice } from '../src/device/file-device.js';
import { native } from '../src/device/native.js';
import { scratch } from './helpers/paths.js';
import { pattern } from './hash-pattern.js';

const K64 = 64 << 10;
const SIZE = 40 * K64;
// [offset, length] of the data the test writes; everything else is a hole.
const DATA: [number, number][] = [
  [0, K64],
  [10 * K64, 3 * K64],
  [39 * K64, K64],
];

let file: string;
let expected: Buffer;
let dev: FileDevice;

beforeAll(async () => {
  file = path.join(scratch('device-file-map'), 'sparse.bin');
  expected = Buffer.alloc(SIZE);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, SIZE);
  DATA.forEach(([off, len], i) => {
    const p = pattern(len, i + 1);
    writeSync(fd, p, 0, len, off);
    p.copy(expected, off);
  });
  closeSync(fd);
  dev = await FileDevice.open(file);
});

afterAll(() => dev.close());

describe('FileDevice on a sparse host file', () => {
  it('reads the holes as zeros, across data/hole edges, and cuts reads at the end', async () => {
    const buf = Buffer.alloc(5 * K64);
    expect(await dev.read(buf, 8 * K64)).toBe(5 * K64);
    expect(buf.equals(expected.subarray(8 * K64, 13 * K64))).toBe(true);
    const tail = Buffer.alloc(3 * K64);
    expect(await dev.read(tail, 38 * K64)).toBe(2 * K64);
    expect(tail.subarray(0, 2 * K64).equals(expected.subarray(38 * K64))).toBe(true);
    expect(await dev.read(tail, SIZE)).toBe(0);
  });

  it('the native addon loads when the sources run directly (vitest), not only from dist/', () => {
    expect(native()).not.toBeNull();
  });

  it('map() reports the holes as zero runs, contiguous and clipped to the request', async () => {
    const runs = (await dev.map(0, SIZE)).map((r) => [r.offset, r.length, r.kind]);
    expect(runs).toEqual([
      [0, K64, 'data'],
      [K64, 9 * K64, 'zero'],
      [10 * K64, 3 * K64, 'data'],
      [13 * K64, 26 * K64, 'zero'],
      [39 * K64, K64, 'data'],
    ]);
    // Starting inside a hole and ending inside data; past the end is clipped.
    const part = (await dev.map(5 * K64, 6 * K64)).map((r) => [r.offset, r.length, r.kind, r.fileOffset]);
    expect(part).toEqual([
      [5 * K64, 5 * K64, 'zero', undefined],
      [10 * K64, K64, 'data', 10 * K64],
    ]);
    expect((await dev.map(39 * K64 + 7, 10 * K64)).map((r) => [r.offset, r.length, r.kind])).toEqual([[39 * K64 + 7, K64 - 7, 'data']]);
    expect(await dev.map(SIZE, 100)).toEqual([]);
  });
});
