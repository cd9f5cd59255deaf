/**
 * `convert --hash` hashes what it writes in the same pass: the source is read
 * once (each data byte exactly once, zero runs from the map not at all), and
 * the digests are those of the whole output, holes included.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { copyDevice } from '../src/convert/copy.js';
import type { Sink } from '../src/convert/sink.js';
import { MultiHash } from '../src/hash/multi-hash.js';
import { pattern } from './hash-pattern.js';

const MiB = 1 << 20;

/** Data in `extents`, zeros elsewhere (said so by the map); counts the bytes read. */
class CountingDevice implements BlockDevice {
  bytesRead = 0;
  readonly name = 'counting';
  constructor(
    readonly size: number,
    private readonly extents: Array<{ offset: number; data: Buffer }>,
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
    for (const e of this.extents) {
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

/** An in-memory sparse output. */
class MemorySink implements Sink {
  readonly sparse = true;
  constructor(readonly out: Buffer) {}
  async write(data: Buffer, offset: number): Promise<void> {
    data.copy(this.out, offset);
  }
  async hole(): Promise<void> {}
  async finish(): Promise<string[]> {
    return ['memory'];
  }
  async abort(): Promise<string[]> {
    return [];
  }
  abortSync(): string[] {
    return [];
  }
}

describe('convert with --hash: one pass', () => {
  it('each data byte is read once, zero runs never, and the digests are of the whole output', async () => {
    const size = 64 * MiB;
    // Data with a zero stretch inside it (a hole in the output, hashed as zeros) and map-known zero runs around it.
    const first = Buffer.concat([pattern(3 * MiB), Buffer.alloc(MiB), pattern(MiB + 7, 5)]);
    const second = pattern(2 * MiB - 3, 9);
    const dev = new CountingDevice(size, [
      { offset: 5 * MiB, data: first },
      { offset: 40 * MiB + 11, data: second },
    ]);
    const hasher = await MultiHash.create(['md5', 'sha256']);
    const sink = new MemorySink(Buffer.alloc(size));
    const stats = await copyDevice(dev, sink, { sparse: 4096, hasher });
    const digests = await hasher.digest();
    expect(dev.bytesRead).toBe(first.length + second.length);
    expect(stats.size).toBe(size);
    const expected = Buffer.alloc(size);
    first.copy(expected, 5 * MiB);
    second.copy(expected, 40 * MiB + 11);
    expect(sink.out.equals(expected)).toBe(true);
    expect(digests).toEqual({ md5: createHash('md5').update(expected).digest('hex'), sha256: createHash('sha256').update(expected).digest('hex') });
  });
});
