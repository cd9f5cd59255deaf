/**
 * readSequential, the read-ahead pipeline of hash/convert/compare: it must
 * cover the range exactly once, in order, hand zero runs over without
 * reading them, keep at most `inFlight` reads outstanding, never reuse a
 * buffer the consumer still holds, and let reads settle when stopped early.
 */
import { describe, expect, it } from 'vitest';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { clipRuns } from '../src/device/runs.js';
import { readSequential, type Chunk } from '../src/device/sequential.js';
import { pattern } from './hash-pattern.js';

/** In-memory device with a chosen map; bytes in zero runs are zeros. Counts reads. */
class MemDevice implements BlockDevice {
  readonly name = 'mem';
  readonly size: number;
  reads: { offset: number; length: number }[] = [];
  active = 0;
  maxActive = 0;
  failAt?: number;

  constructor(
    readonly bytes: Buffer,
    readonly runs: Run[],
  ) {
    this.size = bytes.length;
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    this.reads.push({ offset, length: n });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    // Finish out of order: later reads sometimes resolve first.
    await new Promise((r) => setTimeout(r, (offset / 4096) % 3));
    this.active--;
    if (this.failAt !== undefined && offset <= this.failAt && this.failAt < offset + n) throw new Error('EIO simulated');
    this.bytes.copy(buf, 0, offset, offset + n);
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    return clipRuns(this.runs, offset, available(this, offset, length));
  }

  async close(): Promise<void> {}
}

/** 1 MiB with data and zero runs of odd sizes. */
function fixture(): MemDevice {
  const size = 1 << 20;
  const bytes = pattern(size);
  const runs: Run[] = [];
  const cuts = [0, 1000, 5000, 5001, 70000, 300000, 300512, 900000, size];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const kind = i % 2 ? 'zero' : 'data';
    runs.push({ offset: cuts[i]!, length: cuts[i + 1]! - cuts[i]!, kind });
    if (kind === 'zero') bytes.fill(0, cuts[i], cuts[i + 1]);
  }
  return new MemDevice(bytes, runs);
}

async function collect(dev: MemDevice, opts: Parameters<typeof readSequential>[1]): Promise<{ chunks: Omit<Chunk, 'data' | 'run'>[]; bytes: Buffer }> {
  const chunks: Omit<Chunk, 'data' | 'run'>[] = [];
  const parts: Buffer[] = [];
  for await (const c of readSequential(dev, opts)) {
    chunks.push({ offset: c.offset, length: c.length, kind: c.kind });
    // Copy now: the buffer is only valid until the next chunk is asked for.
    parts.push(c.kind === 'data' ? Buffer.from(c.data!) : Buffer.alloc(c.length));
    expect(c.data === undefined).toBe(c.kind === 'zero');
    if (c.data) expect(c.data.length).toBe(c.length);
  }
  return { chunks, bytes: Buffer.concat(parts) };
}

describe('readSequential', () => {
  for (const [chunkSize, inFlight] of [
    [4096, 1],
    [4096, 3],
    [65536, 2],
    [4 << 20, 2],
  ] as const) {
    it(`covers the device exactly, zero runs unread (chunk ${chunkSize}, ${inFlight} in flight)`, async () => {
      const dev = fixture();
      const { chunks, bytes } = await collect(dev, { chunkSize, inFlight });
      expect(bytes.equals(dev.bytes)).toBe(true);
      let pos = 0;
      for (const c of chunks) {
        expect(c.offset).toBe(pos);
        pos += c.length;
        // Data chunks never cross a multiple of chunkSize.
        if (c.kind === 'data') expect(Math.floor(c.offset / chunkSize)).toBe(Math.floor((c.offset + c.length - 1) / chunkSize));
      }
      expect(pos).toBe(dev.size);
      const zeroRuns = dev.runs.filter((r) => r.kind === 'zero');
      for (const rd of dev.reads) {
        for (const z of zeroRuns) expect(rd.offset + rd.length <= z.offset || rd.offset >= z.offset + z.length).toBe(true);
      }
      expect(dev.maxActive).toBeLessThanOrEqual(inFlight);
    });
  }

  it('a slow consumer still sees intact data (buffers are not reused under it)', async () => {
    const dev = fixture();
    const parts: Buffer[] = [];
    for await (const c of readSequential(dev, { chunkSize: 4096, inFlight: 3 })) {
      const snapshot = c.kind === 'data' ? Buffer.from(c.data!) : null;
      await new Promise((r) => setTimeout(r, 1));
      if (snapshot) expect(c.data!.equals(snapshot)).toBe(true);
      parts.push(c.kind === 'data' ? Buffer.from(c.data!) : Buffer.alloc(c.length));
    }
    expect(Buffer.concat(parts).equals(dev.bytes)).toBe(true);
  });

  it('start/length select a sub-range; ignoreMap reads zero runs as data', async () => {
    const dev = fixture();
    const { chunks, bytes } = await collect(dev, { start: 4000, length: 300000, chunkSize: 65536 });
    expect(bytes.equals(dev.bytes.subarray(4000, 304000))).toBe(true);
    expect(chunks[0]!.offset).toBe(4000);
    const all = fixture();
    const r = await collect(all, { ignoreMap: true, chunkSize: 65536 });
    expect(r.chunks.every((c) => c.kind === 'data')).toBe(true);
    expect(r.bytes.equals(all.bytes)).toBe(true);
  });

  it('a small map window gives the same result', async () => {
    const dev = fixture();
    const { bytes } = await collect(dev, { mapWindow: 3000, chunkSize: 4096 });
    expect(bytes.equals(dev.bytes)).toBe(true);
  });

  it('a read error reaches the consumer; stopping early lets reads settle', async () => {
    const dev = fixture();
    dev.failAt = 310000;
    await expect(collect(dev, { chunkSize: 4096, inFlight: 2 })).rejects.toThrow('EIO simulated');
    const dev2 = fixture();
    for await (const c of readSequential(dev2, { chunkSize: 4096, inFlight: 3 })) if (c.offset > 100000) break;
    expect(dev2.active).toBe(0);
  });
});

describe('readSequential guards the map contract', () => {
  for (const [what, runs] of [
    ['a gap', [{ offset: 0, length: 1000, kind: 'data' }, { offset: 2000, length: (1 << 20) - 2000, kind: 'data' }]],
    ['an overlap', [{ offset: 0, length: 1000, kind: 'data' }, { offset: 900, length: (1 << 20) - 900, kind: 'zero' }]],
    ['a short map', [{ offset: 0, length: 1000, kind: 'data' }]],
  ] as [string, Run[]][]) {
    it(`${what} in map() is a CORRUPT error, not silently skipped or repeated bytes`, async () => {
      const dev = new MemDevice(pattern(1 << 20), runs);
      dev.map = async () => runs; // a broken device ignoring the request window
      await expect(collect(dev, { chunkSize: 4096 })).rejects.toMatchObject({ code: 'CORRUPT' });
    });
  }
});
