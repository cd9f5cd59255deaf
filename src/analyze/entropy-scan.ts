/**
 * One read pass over a BlockDevice, window by window: a byte histogram per
 * window, classified by entropy-stats.ts. Zero runs of map() are counted
 * without reading; data goes through readSequential into slots of a shared
 * ring that worker threads histogram (one slot per worker at a time, so
 * both cores count while the main thread reads — as src/hash does).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlockDevice, Run } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import { VmfskitError } from '../errors.js';
import { startWorker } from '../worker-url.js';
import { addHistogram, classify, MIN_WINDOW, ZERO } from './entropy-stats.js';
import type { EntropyWorkerInit, FromEntropyWorker, ToEntropyWorker } from './entropy-worker.js';

export const DEFAULT_WINDOW = 1 << 20;
/** Below this, starting workers costs more than it saves. */
const SMALL = 32 << 20;
const SLOT_SIZE = 16 << 20;

export interface EntropyScanOptions {
  window?: number;
  /** Worker threads (default: the CPUs available); 1 counts in the calling thread. */
  threads?: number;
  onProgress?: (done: number, run: Run) => void;
  check?: () => void;
}

/** Per-window results; window i covers [i*window, min(size, (i+1)*window)). */
export interface EntropyScan {
  size: number;
  window: number;
  cls: Uint8Array;
  entropy: Float32Array;
  chiSquare: Float32Array;
  /** Windows that map() alone showed to be zeros (never read). */
  mapped: Uint8Array;
  bytesRead: number;
}

export function checkWindow(window: number): void {
  if (!Number.isSafeInteger(window) || window < MIN_WINDOW || window % 512 !== 0) {
    throw new VmfskitError('USAGE', `--window must be a multiple of 512 bytes and at least ${MIN_WINDOW} (got ${window})`);
  }
}

/** Sums histograms per window and classifies each window once all its bytes are in. */
class Windows {
  private readonly open = new Map<number, { counts: Float64Array; left: number }>();
  readonly result: EntropyScan;

  constructor(size: number, readonly window: number) {
    const n = Math.ceil(size / window);
    this.result = { size, window, cls: new Uint8Array(n), entropy: new Float32Array(n), chiSquare: new Float32Array(n), mapped: new Uint8Array(n), bytesRead: 0 };
  }

  private length(w: number): number {
    return Math.min(this.window, this.result.size - w * this.window);
  }

  private finish(w: number, counts: ArrayLike<number>): void {
    const s = classify(counts, this.length(w));
    this.result.cls[w] = s.cls;
    this.result.entropy[w] = s.entropy;
    this.result.chiSquare[w] = s.chiSquare;
  }

  private slot(w: number): { counts: Float64Array; left: number } {
    let a = this.open.get(w);
    if (!a) this.open.set(w, (a = { counts: new Float64Array(256), left: this.length(w) }));
    return a;
  }

  /** `n` bytes of window `w` with histogram `counts`. */
  add(w: number, counts: ArrayLike<number>, n: number): void {
    const a = this.slot(w);
    for (let b = 0; b < 256; b++) a.counts[b]! += counts[b]!;
    a.left -= n;
    if (a.left === 0) {
      this.open.delete(w);
      this.finish(w, a.counts);
    }
  }

  /** A zero run: whole windows are classified at once, edges counted as zero bytes. */
  zeros(offset: number, length: number): void {
    const end = offset + length;
    for (let pos = offset; pos < end; ) {
      const w = Math.floor(pos / this.window);
      const next = Math.min(end, (w + 1) * this.window);
      const n = next - pos;
      if (n === this.length(w)) {
        this.result.cls[w] = ZERO;
        this.result.mapped[w] = 1;
      } else {
        const a = this.slot(w);
        a.counts[0]! += n;
        a.left -= n;
        if (a.left === 0) {
          this.open.delete(w);
          this.finish(w, a.counts);
        }
      }
      pos = next;
    }
  }

  done(): void {
    if (this.open.size) throw new Error(`entropy scan ended with ${this.open.size} window(s) incomplete`);
  }
}

interface Counter {
  /** Count `data` (at device offset `offset`); the caller may reuse `data` when this resolves. */
  data(offset: number, data: Uint8Array): Promise<void>;
  /** Wait for every outstanding count. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Split [offset, offset+len) at window edges: calls fn(window, start in data, length). */
function pieces(window: number, offset: number, len: number, fn: (w: number, at: number, n: number) => void): void {
  for (let pos = offset; pos < offset + len; ) {
    const w = Math.floor(pos / window);
    const next = Math.min(offset + len, (w + 1) * window);
    fn(w, pos - offset, next - pos);
    pos = next;
  }
}

class InThread implements Counter {
  private readonly counts = new Uint32Array(256);
  constructor(private readonly wins: Windows) {}
  async data(offset: number, data: Uint8Array): Promise<void> {
    pieces(this.wins.window, offset, data.length, (w, at, n) => {
      this.counts.fill(0);
      addHistogram(data.subarray(at, at + n), this.counts);
      this.wins.add(w, this.counts, n);
    });
  }
  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}

class WorkerPool implements Counter {
  private readonly ring: Uint8Array;
  /** For each slot in flight: the windows and lengths of its pieces. */
  private readonly inFlight = new Map<number, { w: number[]; n: number[] }>();
  private readonly free: number[] = [];
  private current = -1;
  private fill = 0;
  private pieceList: number[] = [];
  private pieceWin: { w: number[]; n: number[] } = { w: [], n: [] };
  private next = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly wins: Windows,
    private readonly workers: Worker[],
    shared: SharedArrayBuffer,
  ) {
    this.ring = new Uint8Array(shared);
    for (let s = 0; s < shared.byteLength / SLOT_SIZE; s++) this.free.push(s);
    for (const w of workers) {
      w.on('message', (m: FromEntropyWorker) => this.reply(m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`entropy worker exited with ${code}`)));
    }
  }

  /** Two slots per worker: one being counted, one being filled for it. */
  static start(wins: Windows, threads: number): WorkerPool {
    const shared = new SharedArrayBuffer(SLOT_SIZE * threads * 2);
    const init: EntropyWorkerInit = { shared, slotSize: SLOT_SIZE };
    const workers = Array.from({ length: threads }, () => startWorker(import.meta.url, 'entropy-worker', init));
    return new WorkerPool(wins, workers, shared);
  }

  private reply(m: FromEntropyWorker): void {
    if ('error' in m) return this.fail(new Error(`entropy worker: ${m.error}`));
    const p = this.inFlight.get(m.slot)!;
    this.inFlight.delete(m.slot);
    for (let i = 0; i < p.w.length; i++) this.wins.add(p.w[i]!, m.counts.subarray(256 * i, 256 * (i + 1)), p.n[i]!);
    this.free.push(m.slot);
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.poke();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
    }
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    if (this.current < 0 || this.fill === 0) return;
    this.inFlight.set(this.current, this.pieceWin);
    const msg: ToEntropyWorker = { slot: this.current, pieces: this.pieceList };
    this.workers[this.next]!.postMessage(msg);
    this.next = (this.next + 1) % this.workers.length;
    this.current = -1;
    this.fill = 0;
    this.pieceList = [];
    this.pieceWin = { w: [], n: [] };
  }

  async data(offset: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      if (this.current < 0) {
        await this.until(() => this.free.length > 0);
        this.current = this.free.shift()!;
      }
      const n = Math.min(SLOT_SIZE - this.fill, data.length - done);
      const at = this.current * SLOT_SIZE + this.fill;
      this.ring.set(data.subarray(done, done + n), at);
      pieces(this.wins.window, offset + done, n, (w, rel, len) => {
        this.pieceList.push(this.fill + rel, len);
        this.pieceWin.w.push(w);
        this.pieceWin.n.push(len);
      });
      this.fill += n;
      done += n;
      if (this.fill === SLOT_SIZE) this.flush();
    }
  }

  async drain(): Promise<void> {
    this.flush();
    await this.until(() => this.inFlight.size === 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export async function scanEntropy(dev: BlockDevice, opts: EntropyScanOptions = {}): Promise<EntropyScan> {
  const window = opts.window ?? DEFAULT_WINDOW;
  checkWindow(window);
  const wins = new Windows(dev.size, window);
  const threads = dev.size < SMALL ? 1 : Math.max(1, opts.threads ?? os.availableParallelism());
  const counter: Counter = threads > 1 ? WorkerPool.start(wins, threads) : new InThread(wins);
  try {
    for await (const chunk of readSequential(dev, { chunkSize: 4 << 20 })) {
      opts.check?.();
      if (chunk.kind === 'zero') wins.zeros(chunk.offset, chunk.length);
      else {
        await counter.data(chunk.offset, chunk.data!);
        wins.result.bytesRead += chunk.length;
      }
      opts.onProgress?.(chunk.offset + chunk.length, chunk.run);
    }
    await counter.drain();
    wins.done();
    return wins.result;
  } finally {
    await counter.close();
  }
}
