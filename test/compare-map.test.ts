/**
 * compare consults both allocation maps: a range that is a zero run on both
 * sides is never read, and a zero run on one side is compared against zeros
 * while only the other side is read (as qemu-img compare skips unallocated
 * ranges). Counting devices make a compare that read everything fail here.
 */
import { describe, expect, it } from 'vitest';
import { compareDevices } from '../src/compare/compare-devices.js';
import { pattern } from './hash-pattern.js';
import { CountingDevice } from './helpers/counting-device.js';

const MiB = 1 << 20;


describe('compare reads only what a map says is data', () => {
  const size = 256 * MiB;

  it('identical sparse devices: only the data runs are read', async () => {
    const ext = () => [
      { offset: 0, data: pattern(MiB) },
      { offset: 200 * MiB + 12345, data: pattern(3 * MiB) },
    ];
    const a = new CountingDevice(size, ext());
    const b = new CountingDevice(size, ext());
    const r = await compareDevices(a, b);
    expect(r.identical).toBe(true);
    expect(a.bytesRead).toBe(4 * MiB);
    expect(b.bytesRead).toBe(4 * MiB);
  });

  it('data against a zero run: only the data side is read there, and the first difference is exact', async () => {
    const data = pattern(MiB);
    // B holds allocated zeros where A has nothing (equal), and nothing where A has data at 100 MiB (different).
    const a = new CountingDevice(size, [
      { offset: 0, data },
      { offset: 100 * MiB, data: Buffer.concat([Buffer.alloc(5), Buffer.from([1]), Buffer.alloc(MiB - 6)]) },
    ]);
    const b = new CountingDevice(size, [
      { offset: 0, data },
      { offset: 50 * MiB, data: Buffer.alloc(2 * MiB) },
    ]);
    const r = await compareDevices(a, b);
    expect(r.identical).toBe(false);
    expect(r.firstDifference).toBe(100 * MiB + 5);
    expect(r.ranges).toEqual([{ offset: 100 * MiB + 5, length: 1 }]);
    // A: its two data runs + B's data run at 50 MiB compared against A's zeros without reading A there.
    expect(a.bytesRead).toBe(2 * MiB);
    expect(b.bytesRead).toBe(3 * MiB);
  });

  it('a longer side: its tail is compared against zeros by its map, reading only its data', async () => {
    const a = new CountingDevice(size, [{ offset: 0, data: pattern(MiB) }]);
    const b = new CountingDevice(size + 64 * MiB, [
      { offset: 0, data: pattern(MiB) },
      { offset: size + 10 * MiB, data: Buffer.from([0, 0, 9]) },
    ]);
    const r = await compareDevices(a, b);
    expect(r.identical).toBe(false);
    expect(r.firstDifference).toBe(size + 10 * MiB + 2);
    expect(b.bytesRead).toBe(MiB + 3);
  });
});
