/**
 * Inflating stream-optimized grains on every core. perf-notes §4/§7: one
 * `inflateSync` call per grain on a worker beats async zlib (which pays a
 * thread-pool round trip and stream set-up per grain), and inflate, not
 * I/O, bounds a streamOptimized read. A read's compressed bytes are read
 * straight into shared memory (a Region), the workers inflate disjoint
 * slices of it into the region's shared output, and only a small message
 * crosses threads: no copies, no transfers, no per-read allocation. Small
 * reads inflate inline (a worker round trip would cost more than the grain).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import zlib from 'node:zlib';
import { allSettledOrThrow } from '../device/read-helpers.js';

/** Shared memory for one read: compressed input and inflated output (grain slots). */
export interface Region {
  readonly input: Buffer;
  readonly output: Buffer;
}

/** Below this many grains a read inflates on the calling thread. */
const MIN_GRAINS_FOR_WORKERS = 8;
const MAX_WORKERS = 4;
/** Regions kept for reuse; more may exist while reads overlap. */
const KEEP_REGIONS = 4;

const free: Region[] = [];

/** A region with at least the given capacities (reused when one is free). */
export function acquireRegion(inputBytes: number, outputBytes: number): Region {
  const i = free.findIndex((r) => r.input.length >= inputBytes && r.output.length >= outputBytes);
  if (i >= 0) return free.splice(i, 1)[0]!;
  return { input: Buffer.from(new SharedArrayBuffer(inputBytes)), output: Buffer.from(new SharedArrayBuffer(outputBytes)) };
}

export function releaseRegion(r: Region): void {
  if (free.length < KEEP_REGIONS) free.push(r);
}

/**
 * Returns inflateInto(input, output, dest, spans, first, count, slot, sizes): span k ([offset,
 * length, to] triples; offset into input) is inflated into dest at `to` when to ≥ 0 (the caller's
 * own buffer: no copy afterwards), else into output at k × slot; sizes[k] = inflated bytes, or -1 (not a
 * complete zlib stream) / -2 (larger than the slot) — the answers zlib.inflateSync gives with
 * maxOutputLength = slot. It runs on the calling thread and, as source text, in every worker, so it
 * only uses what it is given (zlib) and no module bindings.
 *
 * Why not inflateSync: it builds a stream object (event emitter, buffers, listeners) per call and
 * copies its result; for a 64 KiB grain that is 3–5× the inflating itself (perf-notes §7: ~60 µs
 * fixed cost per call). One Inflate per thread, reset per grain, whose handle writes straight into
 * the output slot, costs ~15 µs per stored grain.
 */
export function makeInflater(zlib: typeof import('node:zlib')) {
  const { Z_FINISH } = zlib.constants;
  let inf: import('node:zlib').Inflate | null = null;
  let handle: { writeSync(flush: number, i: Uint8Array, io: number, il: number, o: Uint8Array, oo: number, ol: number): void; reset(): void; onerror: unknown } | null = null;
  let state: Uint32Array = new Uint32Array(2);
  let failed = false;
  // After a full slot: is there more? (more output = too large; an error = stream not complete.)
  const probe = new Uint8Array(64);
  // Internals a future Node may change: without them, inflateSync (slower, same answers).
  let portable = false;
  const viaInflateSync = (input: Uint8Array, at: number, len: number, output: Uint8Array, to: number, slot: number): number => {
    let r: Buffer;
    try {
      r = zlib.inflateSync(input.subarray(at, at + len), { maxOutputLength: slot });
    } catch (e) {
      return (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? -2 : -1;
    }
    output.set(r, to);
    return r.length;
  };
  const fresh = () => {
    inf = new zlib.Inflate();
    // @ts-expect-error internal: the native handle and its [availOutAfter, availInAfter] pair
    handle = inf._handle;
    // @ts-expect-error internal
    state = inf._writeState;
    if (typeof handle?.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
      portable = true;
      return;
    }
    // An error is an answer (-1), not an 'error' event on a stream nobody listens to.
    handle!.onerror = () => {
      failed = true;
    };
  };
  const one = (input: Uint8Array, at: number, len: number, output: Uint8Array, to: number, slot: number): number => {
    if (portable) return viaInflateSync(input, at, len, output, to, slot);
    if (!handle || failed) {
      fresh();
      if (portable) return viaInflateSync(input, at, len, output, to, slot);
    } else handle.reset();
    failed = false;
    handle!.writeSync(Z_FINISH, input, at, len, output, to, slot);
    if (failed) return -1;
    const got = slot - state[0]!;
    if (got < slot) return got;
    // Slot full: the stream must end exactly here.
    const left = state[1]!;
    handle!.writeSync(Z_FINISH, input, at + len - left, left, probe, 0, probe.length);
    if (failed) return -1;
    return state[0] === probe.length ? got : -2;
  };
  return (input: Uint8Array, output: Uint8Array, dest: Uint8Array | null, spans: Int32Array, first: number, count: number, slot: number, sizes: Int32Array): void => {
    for (let k = first; k < first + count; k++) {
      const to = spans[3 * k + 2]!;
      try {
        sizes[k] = to >= 0 ? one(input, spans[3 * k]!, spans[3 * k + 1]!, dest!, to, slot) : one(input, spans[3 * k]!, spans[3 * k + 1]!, output, k * slot, slot);
      } catch {
        failed = true;
        sizes[k] = -1;
      }
    }
  };
}

const inflateInto = makeInflater(zlib);

// Inline source so the worker runs the same way from src (tests) and dist (CLI); the inflater is
// the very function above (its source text), so both threads answer alike.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const inflateInto = (${makeInflater.toString()})(require('node:zlib'));
parentPort.on('message', (m) => {
  const input = new Uint8Array(m.input), output = new Uint8Array(m.output), dest = m.dest ? new Uint8Array(m.dest) : null;
  const sizes = new Int32Array(m.first + m.count);
  inflateInto(input, output, dest, m.spans, m.first, m.count, m.slot, sizes);
  parentPort.postMessage({ id: m.id, sizes: sizes.subarray(m.first) });
});`;

interface Pending {
  resolve(sizes: Int32Array): void;
  reject(e: unknown): void;
}

class PoolWorker {
  private readonly worker: Worker;
  busy = 0;
  broken = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; sizes: Int32Array }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      // An idle worker must not keep the process alive; a busy one must.
      if (--this.busy === 0) this.worker.unref();
      p.resolve(m.sizes);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('inflate worker exited')));
  }

  private fail(e: unknown): void {
    this.broken = true;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  run(r: Region, dest: SharedArrayBuffer | null, spans: Int32Array, first: number, count: number, slot: number): Promise<Int32Array> {
    const id = this.nextId++;
    if (this.busy++ === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, input: r.input.buffer, output: r.output.buffer, dest, spans, first, count, slot });
    });
  }
}

let workers: PoolWorker[] | null = null;

function pool(): PoolWorker[] {
  if (!workers) {
    // VMFSKIT_INFLATE_THREADS=0 inflates on the calling thread (for benchmarks and comparisons).
    const env = process.env.VMFSKIT_INFLATE_THREADS;
    const n = env !== undefined && /^\d+$/.test(env) ? Math.min(MAX_WORKERS, Number(env)) : Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
    try {
      workers = Array.from({ length: n }, () => new PoolWorker());
    } catch {
      workers = [];
    }
  }
  return workers.filter((w) => !w.broken);
}

/**
 * Inflate the zlib streams at `spans` ([offset, length, to] triples; offset into region.input)
 * into `dest` at `to` (to ≥ 0; dest must then be shared memory, so workers can write it) or else
 * into region.output, grain k at k × slot. Returns the inflated size of each (see inflateInto).
 */
export async function inflateGrains(r: Region, spans: Int32Array, slot: number, dest: Uint8Array | null = null): Promise<Int32Array> {
  const n = spans.length / 3;
  const shared = dest ? (dest.buffer as SharedArrayBuffer) : null;
  const sizes = new Int32Array(n);
  const ws = n >= MIN_GRAINS_FOR_WORKERS ? pool() : [];
  if (ws.length === 0) {
    inflateInto(r.input, r.output, shared ? new Uint8Array(shared) : null, spans, 0, n, slot, sizes);
    return sizes;
  }
  const batches = Math.min(ws.length, Math.ceil(n / 4));
  const per = Math.ceil(n / batches);
  const parts: Promise<void>[] = [];
  for (let first = 0; first < n; first += per) {
    const count = Math.min(per, n - first);
    const w = ws.reduce((a, c) => (c.busy < a.busy ? c : a));
    parts.push(w.run(r, shared, spans, first, count, slot).then((s) => sizes.set(s, first)));
  }
  await allSettledOrThrow(parts);
  return sizes;
}
