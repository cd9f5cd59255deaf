/**
 * The read-ahead pipeline every sequential consumer uses (convert, hash,
 * compare): walks a device in order, yields zero runs without I/O and data
 * in large chunks with a bounded number of reads in flight, reusing buffers.
 */
import type { BlockDevice, Run } from './block-device.js';
import { alignedBuffer } from './aligned.js';
import { VmfskitError } from '../errors.js';

export interface Chunk {
  offset: number;
  length: number;
  kind: 'data' | 'zero';
  /** For data chunks: the bytes. Valid only until the consumer asks for the next chunk. */
  data?: Buffer;
  /** The map run this chunk comes from (layer/file, for progress display). */
  run: Run;
}

export interface SequentialOptions {
  /** First byte (default 0). */
  start?: number;
  /** Bytes to walk (default: to the end). */
  length?: number;
  /** Size of each data read (default 4 MiB). */
  chunkSize?: number;
  /** Reads kept in flight ahead of the consumer (default 2). */
  inFlight?: number;
  /** Treat every run as data (no map-based skipping): e.g. `-S 0`, or hashing containers. */
  ignoreMap?: boolean;
  /** How much of the map to ask for at once (bounds memory on fragmented devices). */
  mapWindow?: number;
  /**
   * Read into shared memory (SharedArrayBuffer): a stream-optimized VMDK then inflates whole grains
   * on its worker threads straight into the chunk, with no copy. Off by default: a consumer that
   * transfers chunks to other threads cannot transfer shared memory.
   */
  shared?: boolean;
  /**
   * Makes the read buffers (`shared` is passed through): convert hands in memory-aligned ones,
   * which an O_DIRECT output can take as they are.
   */
  alloc?: (size: number, shared: boolean) => Buffer;
}

interface Planned {
  offset: number;
  length: number;
  kind: 'data' | 'zero';
  run: Run;
}

/**
 * Throw unless `runs` cover [start, end) exactly, in order: a map with a gap
 * or an overlap would silently drop or repeat bytes in a hash, copy or compare.
 */
export function checkContiguous(dev: BlockDevice, runs: Run[], start: number, end: number): void {
  let expect = start;
  for (const run of runs) {
    if (run.offset !== expect || !(run.length > 0)) throw mapBreach(dev, run, expect);
    expect += run.length;
  }
  if (expect !== end) throw mapBreach(dev, runs[runs.length - 1], expect, end);
}

function mapBreach(dev: BlockDevice, run: Run | undefined, expected: number, end?: number): VmfskitError {
  const what = end === undefined ? `run at ${run?.offset} (+${run?.length}) where ${expected} was due` : `runs end at ${expected}, not ${end}`;
  return new VmfskitError('CORRUPT', `allocation map is not contiguous: ${what}`, { file: dev.name, offset: run?.offset ?? expected });
}

async function* plan(dev: BlockDevice, start: number, end: number, chunk: number, ignoreMap: boolean, window: number): AsyncGenerator<Planned> {
  for (let w = start; w < end; w += window) {
    const wlen = Math.min(window, end - w);
    const runs: Run[] = ignoreMap ? [{ offset: w, length: wlen, kind: 'data' }] : await dev.map(w, wlen);
    checkContiguous(dev, runs, w, w + wlen);
    for (const run of runs) {
      if (run.kind === 'zero') {
        yield { offset: run.offset, length: run.length, kind: 'zero', run };
        continue;
      }
      let pos = run.offset;
      const runEnd = run.offset + run.length;
      while (pos < runEnd) {
        // Chunk boundaries aligned to multiples of `chunk` keep reads aligned in the source.
        const next = Math.min(runEnd, (Math.floor(pos / chunk) + 1) * chunk);
        yield { offset: pos, length: next - pos, kind: 'data', run };
        pos = next;
      }
    }
  }
}

export async function* readSequential(dev: BlockDevice, opts: SequentialOptions = {}): AsyncGenerator<Chunk> {
  const start = opts.start ?? 0;
  const end = Math.min(dev.size, start + (opts.length ?? dev.size - start));
  const chunk = opts.chunkSize ?? 4 << 20;
  const inFlight = Math.max(1, opts.inFlight ?? 2);
  const window = opts.mapWindow ?? 1 << 30;
  // inFlight reads + the one the consumer holds.
  const alloc = opts.alloc ?? alignedBuffer;
  const pool: Buffer[] = Array.from({ length: inFlight + 1 }, () => alloc(chunk, opts.shared ?? false));
  let nextBuf = 0;
  const queue: { p: Planned; data?: Promise<Buffer> }[] = [];
  const it = plan(dev, start, end, chunk, opts.ignoreMap ?? false, window);
  let exhausted = false;
  let readsQueued = 0;

  const fill = async (): Promise<void> => {
    while (!exhausted && readsQueued < inFlight) {
      const r = await it.next();
      if (r.done) {
        exhausted = true;
        break;
      }
      const p = r.value;
      if (p.kind === 'zero') {
        queue.push({ p });
        continue;
      }
      const buf = pool[nextBuf]!.subarray(0, p.length);
      nextBuf = (nextBuf + 1) % pool.length;
      readsQueued++;
      const data = dev.read(buf, p.offset).then(() => buf);
      data.catch(() => {}); // observed when dequeued; avoid an unhandled rejection meanwhile
      queue.push({ p, data });
    }
  };

  try {
    await fill();
    while (queue.length) {
      const item = queue.shift()!;
      if (item.data) {
        const data = await item.data;
        readsQueued--;
        await fill();
        yield { offset: item.p.offset, length: item.p.length, kind: 'data', data, run: item.p.run };
      } else {
        if (queue.length === 0) await fill();
        yield { offset: item.p.offset, length: item.p.length, kind: 'zero', run: item.p.run };
      }
    }
  } finally {
    // Let outstanding reads settle before their buffers could be reused by anyone.
    await Promise.allSettled(queue.map((q) => q.data));
  }
}
