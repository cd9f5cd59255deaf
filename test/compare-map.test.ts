/**
 * compare consults both allocation maps: a range that is a zero run on both
 * sides is never read, and a zero run on one side is compared against zeros
 * while only the other side is read (as qemu-img compare skips unallocated
 * ranges). Counting devices make a compare that read everything fail here.
 */
import { describe, expect, it } from 'vitest';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { compareDevices } from '../src/compare/compare-devices.js';
import { pattern } from './hash-pattern.js';

const MiB = 1 << 20;

/** A device of `size` bytes with data only in `extents` (its map says zero elsewhere); counts bytes read. */
class CountingDevice implements BlockDevice {
  bytesRead = 0;
  constructor(
    readonly size: number,
    private readonly extents: Array<{ offset: number; data: Buffer }>,
    readonly name = 'counting',
  ) {}

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    this.bytesRead += n;
    buf.fill(0, 0, n);
    for (const e of this.extents) {
      const from = Math.max(offset, e.offset);
      const to = Math.min(offset + n, e.offset + e.data.length);
      if (from < to) buf.set(e.data.subarray(from - e.offset, to - e.offset), from - offset);
    }
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const end = offset + available(this, offset, length);
    const runs: Run[] = [];
    let pos = offset;
    for (const e of [...this.extents].sort((x, y) => x.offset - y.offset)) {
      const from = Math.max(pos, e.offset);
      const to = Math.min(end, e.offset + e.data.length);
      if (from >= to) continue;
      if (from > pos) runs.push({ offset: pos, length: from - pos, kind: 'zero' });
      runs.push({ offset: from, length: to - from, kind: 'data' });
      pos = to;
    }
    if (pos < end) runs.push({ offset: pos, length: end - pos, kind: 'zero' });
    return runs;
  }

  async close(): Promise<void> {}
}

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
