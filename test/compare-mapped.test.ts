/**
 * Two host files are compared where they lie in the page cache (mappedEqual
 * in the addon) and only a range found different is read: the answer must be
 * the same as reading everything — equal ranges at any offset, a single
 * differing byte anywhere (first, last, an unaligned range) found exactly.
 */
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { native } from '../src/device/native.js';
import { FileDevice } from '../src/device/file-device.js';
import { compareDevices } from '../src/compare/compare-devices.js';
import { scratch } from './helpers/paths.js';
import { pattern } from './hash-pattern.js';

const n = native();
const MiB = 1 << 20;

// Under CI the addon is built: there a missing one fails here instead of skipping.
describe.runIf(n !== null || !!process.env.CI)('compare of two host files through mappings', () => {
  const dir = scratch('compare-mapped');
  const data = pattern(9 * MiB + 123);
  const fileA = path.join(dir, 'a.raw');
  writeFileSync(fileA, data);

  it('mappedEqual: equal and different ranges at page-aligned and unaligned offsets', () => {
    const b = Buffer.from(data);
    b[5 * MiB + 7] ^= 1;
    const fileB = path.join(dir, 'b1.raw');
    writeFileSync(fileB, b);
    const fa = openSync(fileA, 'r');
    const fb = openSync(fileB, 'r');
    try {
      expect(n!.mappedEqual(fa, 0, fb, 0, 5 * MiB)).toBe(true);
      expect(n!.mappedEqual(fa, 0, fb, 0, 5 * MiB + 8)).toBe(false);
      expect(n!.mappedEqual(fa, 5 * MiB + 8, fb, 5 * MiB + 8, 4 * MiB + 115)).toBe(true);
      expect(n!.mappedEqual(fa, 5 * MiB + 7, fb, 5 * MiB + 7, 1)).toBe(false);
      expect(n!.mappedEqual(fa, 123, fa, 123, 0)).toBe(true);
      // The same bytes at different offsets of the two files (unaligned on one side).
      expect(n!.mappedEqual(fa, MiB, fb, MiB, 3)).toBe(true);
    } finally {
      closeSync(fa);
      closeSync(fb);
    }
  });

  for (const at of [0, 4 * MiB - 1, 4 * MiB, 9 * MiB + 122]) {
    it(`compareDevices finds the one byte changed at ${at}, and nothing else`, async () => {
      const b = Buffer.from(data);
      b[at] ^= 0x80;
      const fileB = path.join(dir, `b-${at}.raw`);
      writeFileSync(fileB, b);
      const [da, db] = await Promise.all([FileDevice.open(fileA), FileDevice.open(fileB)]);
      try {
        const r = await compareDevices(da, db);
        expect({ identical: r.identical, first: r.firstDifference, ranges: r.ranges }).toEqual({ identical: false, first: at, ranges: [{ offset: at, length: 1 }] });
        expect((await compareDevices(da, da)).identical).toBe(true);
      } finally {
        await da.close();
        await db.close();
      }
    });
  }
});
