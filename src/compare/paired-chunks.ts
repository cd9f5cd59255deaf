/**
 * Walk the same byte range of two devices side by side. Both maps are
 * consulted, so a range that is a zero run on both sides is skipped without
 * I/O; a zero run on one side is handed over as `null` (compare against
 * zeros) and only the other side is read. Reads of both sides run in
 * parallel, with a bounded number of chunk pairs in flight, into reused
 * buffers.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { checkContiguous } from '../device/sequential.js';
import { alignedBuffer } from '../device/aligned.js';

export interface ChunkPair {
  offset: number;
  length: number;
  /** The bytes of each side, or null where that side's map says zeros. Valid until the next chunk is asked for. */
  a: Buffer | null;
  b: Buffer | null;
}

interface Planned {
  offset: number;
  length: number;
  readA: boolean;
  readB: boolean;
}

export interface PairOptions {
  chunkSize?: number;
  inFlight?: number;
  mapWindow?: number;
  /**
   * Tells, without reading, whether both sides hold the same bytes in a range: true skips it
   * (handed over as zeros on both sides), false or undefined reads it as usual.
   */
  sameBytes?: (offset: number, length: number) => boolean | undefined;
}

/** Segments of [start, end) where the kinds of both sides are constant; zero/zero segments are left out. */
function* mergeMaps(ra: Run[], rb: Run[], start: number, end: number): Generator<{ offset: number; length: number; readA: boolean; readB: boolean }> {
  let i = 0;
  let j = 0;
  let pos = start;
  // Both maps were checked to cover [start, end) contiguously, so every step advances.
  while (pos < end && i < ra.length && j < rb.length) {
    const x = ra[i]!;
    const y = rb[j]!;
    const segEnd = Math.min(x.offset + x.length, y.offset + y.length, end);
    const readA = x.kind === 'data';
    const readB = y.kind === 'data';
    if (readA || readB) yield { offset: pos, length: segEnd - pos, readA, readB };
    pos = segEnd;
    if (x.offset + x.length <= pos) i++;
    if (y.offset + y.length <= pos) j++;
  }
}

async function* plan(a: BlockDevice, b: BlockDevice, start: number, end: number, chunk: number, window: number): AsyncGenerator<Planned> {
  for (let w = start; w < end; w += window) {
    const len = Math.min(window, end - w);
    const [ra, rb] = await Promise.all([a.map(w, len), b.map(w, len)]);
    checkContiguous(a, ra, w, w + len);
    checkContiguous(b, rb, w, w + len);
    for (const seg of mergeMaps(ra, rb, w, w + len)) {
      const segEnd = seg.offset + seg.length;
      for (let pos = seg.offset; pos < segEnd; ) {
        const next = Math.min(segEnd, (Math.floor(pos / chunk) + 1) * chunk);
        yield { offset: pos, length: next - pos, readA: seg.readA, readB: seg.readB };
        pos = next;
      }
    }
  }
}

export async function* pairedChunks(a: BlockDevice, b: BlockDevice, start: number, end: number, opts: PairOptions = {}): AsyncGenerator<ChunkPair> {
  const chunk = opts.chunkSize ?? 4 << 20;
  const inFlight = Math.max(1, opts.inFlight ?? 2);
  const pool = Array.from({ length: inFlight + 1 }, () => [alignedBuffer(chunk), alignedBuffer(chunk)] as const);
  let next = 0;
  const it = plan(a, b, start, end, chunk, opts.mapWindow ?? 1 << 30);
  const queue: Promise<ChunkPair>[] = [];
  let done = false;

  const fill = async (): Promise<void> => {
    while (!done && queue.length < inFlight) {
      const r = await it.next();
      if (r.done) {
        done = true;
        return;
      }
      const p = r.value;
      if (p.readA && p.readB && opts.sameBytes?.(p.offset, p.length) === true) {
        queue.push(Promise.resolve({ offset: p.offset, length: p.length, a: null, b: null }));
        continue;
      }
      const [ba, bb] = pool[next]!;
      next = (next + 1) % pool.length;
      const bufA = p.readA ? ba.subarray(0, p.length) : null;
      const bufB = p.readB ? bb.subarray(0, p.length) : null;
      const pr = Promise.all([bufA && a.read(bufA, p.offset), bufB && b.read(bufB, p.offset)]).then(
        (): ChunkPair => ({ offset: p.offset, length: p.length, a: bufA, b: bufB }),
      );
      pr.catch(() => {}); // observed when dequeued
      queue.push(pr);
    }
  };

  try {
    await fill();
    while (queue.length) {
      const pair = await queue.shift()!;
      await fill();
      yield pair;
    }
  } finally {
    await Promise.allSettled(queue);
  }
}
