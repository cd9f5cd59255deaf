/**
 * Inflating stream-optimized grains on every core. perf-notes §4/§7: one
 * `inflateSync` call per grain on a worker beats async zlib (which pays a
 * thread-pool round trip and stream set-up per grain), and inflate, not
 * I/O, bounds a streamOptimized read. Large reads are cut into batches, one
 * per worker; small reads inflate inline (a worker round trip would cost
 * more than the grain).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import zlib from 'node:zlib';

/** Result of one batch: grain i is at out[i*slot ...], sizes[i] = inflated bytes, or -1 (zlib error) / -2 (larger than slot). */
export interface Inflated {
  out: Buffer;
  sizes: Int32Array;
}

/** Below this many grains a read inflates on the calling thread. */
const MIN_GRAINS_FOR_WORKERS = 8;
const MAX_WORKERS = 4;

function inflateInto(src: Uint8Array, spans: Int32Array, slot: number, out: Uint8Array, sizes: Int32Array): void {
  for (let i = 0; i < sizes.length; i++) {
    const s = src.subarray(spans[2 * i]!, spans[2 * i]! + spans[2 * i + 1]!);
    try {
      // maxOutputLength bounds memory: a grain never inflates beyond its slot. A chunk a little larger
      // than the grain lets zlib finish in one output buffer (the 16 KiB default costs 2x in concatenation).
      const r = zlib.inflateSync(s, { maxOutputLength: slot, chunkSize: slot + 1024 });
      out.set(r, i * slot);
      sizes[i] = r.length;
    } catch (e) {
      sizes[i] = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? -2 : -1;
    }
  }
}

// Inline source so the worker runs the same way from src (tests) and dist (CLI); mirrors inflateInto.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
parentPort.on('message', (m) => {
  const src = new Uint8Array(m.src);
  const spans = m.spans;
  const n = spans.length / 2;
  const out = new Uint8Array(new ArrayBuffer(n * m.slot));
  const sizes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    try {
      const r = zlib.inflateSync(src.subarray(spans[2 * i], spans[2 * i] + spans[2 * i + 1]), { maxOutputLength: m.slot, chunkSize: m.slot + 1024 });
      out.set(r, i * m.slot);
      sizes[i] = r.length;
    } catch (e) {
      sizes[i] = e && e.code === 'ERR_BUFFER_TOO_LARGE' ? -2 : -1;
    }
  }
  parentPort.postMessage({ id: m.id, out: out.buffer, sizes }, [out.buffer]);
});`;

interface Pending {
  resolve(r: Inflated): void;
  reject(e: unknown): void;
}

class PoolWorker {
  readonly worker: Worker;
  busy = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  broken = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; out: ArrayBuffer; sizes: Int32Array }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.settle();
      p.resolve({ out: Buffer.from(m.out), sizes: m.sizes });
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('inflate worker exited')));
  }

  private settle(): void {
    this.busy--;
    // An idle worker must not keep the process alive; a busy one must.
    if (this.busy === 0) this.worker.unref();
  }

  private fail(e: unknown): void {
    this.broken = true;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  run(src: ArrayBuffer, spans: Int32Array, slot: number): Promise<Inflated> {
    const id = this.nextId++;
    if (this.busy++ === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, src, spans, slot }, [src]);
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

/** Inflate the zlib streams at `spans` ([offset, length] pairs into `src`) into slots of `slot` bytes. */
export async function inflateGrains(src: Buffer, spans: Int32Array, slot: number): Promise<Inflated> {
  const n = spans.length / 2;
  const ws = n >= MIN_GRAINS_FOR_WORKERS ? pool() : [];
  if (ws.length === 0) {
    const out = Buffer.allocUnsafe(n * slot);
    const sizes = new Int32Array(n);
    inflateInto(src, spans, slot, out, sizes);
    return { out, sizes };
  }
  // One batch per worker; each gets its own copy of its compressed bytes (transferred, not cloned).
  const batches = Math.min(ws.length, Math.ceil(n / 4));
  const per = Math.ceil(n / batches);
  const parts: Promise<Inflated>[] = [];
  for (let b = 0; b < batches; b++) {
    const first = b * per;
    const last = Math.min(n, first + per);
    if (first >= last) break;
    const lo = spans[2 * first]!;
    const hi = spans[2 * (last - 1)]! + spans[2 * (last - 1) + 1]!;
    const copy = new ArrayBuffer(hi - lo);
    new Uint8Array(copy).set(src.subarray(lo, hi));
    const local = new Int32Array(2 * (last - first));
    for (let i = first; i < last; i++) {
      local[2 * (i - first)] = spans[2 * i]! - lo;
      local[2 * (i - first) + 1] = spans[2 * i + 1]!;
    }
    const w = ws.reduce((a, c) => (c.busy < a.busy ? c : a));
    parts.push(w.run(copy, local, slot));
  }
  const done = await Promise.all(parts);
  if (done.length === 1) return done[0]!;
  const out = Buffer.allocUnsafe(n * slot);
  const sizes = new Int32Array(n);
  let i = 0;
  for (const d of done) {
    out.set(d.out, i * slot);
    sizes.set(d.sizes, i);
    i += d.sizes.length;
  }
  return { out, sizes };
}
