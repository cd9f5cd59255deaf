/**
 * ConcatDevice (spanned volumes, multi-extent VMDKs) and SliceDevice
 * (partitions, extents): reads across part edges, empty parts, maps shifted
 * and merged correctly, clipping at the end. Expected bytes come from the
 * same buffers concatenated / sliced with Buffer.
 */
import { describe, expect, it } from 'vitest';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { clipRuns } from '../src/device/runs.js';
import { ConcatDevice } from '../src/device/concat-device.js';
import { SliceDevice } from '../src/device/slice-device.js';
import { ZeroDevice } from '../src/device/zero-device.js';
import { pattern } from './hash-pattern.js';

class MemDevice implements BlockDevice {
  readonly size: number;
  closed = false;
  constructor(
    readonly bytes: Buffer,
    readonly name: string,
    readonly runs: Run[] = [{ offset: 0, length: bytes.length, kind: 'data', file: name, fileOffset: 0 }],
  ) {
    this.size = bytes.length;
  }
  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    this.bytes.copy(buf, 0, offset, offset + n);
    return n;
  }
  async map(offset: number, length: number): Promise<Run[]> {
    return clipRuns(this.runs, offset, available(this, offset, length));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const A = pattern(10000, 1);
const B = pattern(7000, 2);
const C = pattern(513, 3);

function concat(): { dev: ConcatDevice; all: Buffer; parts: MemDevice[] } {
  const parts = [new MemDevice(A, 'a'), new MemDevice(Buffer.alloc(0), 'empty'), new MemDevice(B, 'b'), new MemDevice(C, 'c')];
  return { dev: new ConcatDevice(parts, 'abc'), all: Buffer.concat([A, B, C]), parts };
}

describe('ConcatDevice', () => {
  it('size is the sum; every read window equals the concatenated bytes', async () => {
    const { dev, all } = concat();
    expect(dev.size).toBe(all.length);
    for (const [off, len] of [
      [0, all.length],
      [9999, 2],
      [10000, 7000],
      [16999, 514],
      [5, 17000],
      [all.length - 1, 1],
    ]) {
      const buf = Buffer.alloc(len!);
      expect(await dev.read(buf, off!)).toBe(len);
      expect(buf.equals(all.subarray(off!, off! + len!)), `${off}+${len}`).toBe(true);
    }
  });

  it('reads past the end are cut short; at the end they return 0', async () => {
    const { dev, all } = concat();
    const buf = Buffer.alloc(1000);
    expect(await dev.read(buf, all.length - 10)).toBe(10);
    expect(buf.subarray(0, 10).equals(all.subarray(all.length - 10))).toBe(true);
    expect(await dev.read(buf, all.length)).toBe(0);
  });

  it('map() shifts each part into place and keeps file offsets', async () => {
    const { dev } = concat();
    expect(await dev.map(9000, 2000)).toEqual([
      { offset: 9000, length: 1000, kind: 'data', file: 'a', fileOffset: 9000 },
      { offset: 10000, length: 1000, kind: 'data', file: 'b', fileOffset: 0 },
    ]);
  });

  it('zero parts merge into one zero run', async () => {
    const dev = new ConcatDevice([new ZeroDevice(100), new ZeroDevice(0), new ZeroDevice(50), new MemDevice(C, 'c')], 'z');
    expect(await dev.map(0, dev.size)).toEqual([
      { offset: 0, length: 150, kind: 'zero' },
      { offset: 150, length: 513, kind: 'data', file: 'c', fileOffset: 0 },
    ]);
  });

  it('close() closes every part', async () => {
    const { dev, parts } = concat();
    await dev.close();
    expect(parts.every((p) => p.closed)).toBe(true);
  });
});

describe('SliceDevice', () => {
  it('reads and maps a window of its parent (a slice of a concat, across a part edge)', async () => {
    const { dev, all } = concat();
    const s = new SliceDevice(dev, 9000, 3000);
    const buf = Buffer.alloc(4000);
    expect(await s.read(buf, 500)).toBe(2500);
    expect(buf.subarray(0, 2500).equals(all.subarray(9500, 12000))).toBe(true);
    expect(await s.map(0, 99999)).toEqual([
      { offset: 0, length: 1000, kind: 'data', file: 'a', fileOffset: 9000 },
      { offset: 1000, length: 2000, kind: 'data', file: 'b', fileOffset: 0 },
    ]);
    expect(await s.read(buf, 3000)).toBe(0);
    expect(await s.map(3000, 10)).toEqual([]);
  });

  it('refuses a window outside the parent', () => {
    const p = new MemDevice(A, 'a');
    expect(() => new SliceDevice(p, 9000, 1001)).toThrow(RangeError);
    expect(() => new SliceDevice(p, -1, 10)).toThrow(RangeError);
  });

  it('closes its parent only when it owns it', async () => {
    const p = new MemDevice(A, 'a');
    await new SliceDevice(p, 0, 10).close();
    expect(p.closed).toBe(false);
    await new SliceDevice(p, 0, 10, 'x', true).close();
    expect(p.closed).toBe(true);
  });
});
