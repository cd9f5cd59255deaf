/**
 * `convert --hash` hashes what it writes in the same pass: the source is read
 * once (each data byte exactly once, zero runs from the map not at all), and
 * the digests are those of the whole output, holes included.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyDevice } from '../src/convert/copy.js';
import type { Sink } from '../src/convert/sink.js';
import { MultiHash } from '../src/hash/multi-hash.js';
import { pattern } from './hash-pattern.js';
import { CountingDevice } from './helpers/counting-device.js';

const MiB = 1 << 20;


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
