/**
 * Several hash algorithms over one stream of bytes, fed once. The public
 * surface is what convert, hash and verify use; how the work is spread over
 * threads is this module's business.
 *
 * With more than one lane (perf-notes §2: on 2 cores, md5 | sha1+sha256),
 * each lane runs in a worker thread. Bytes are copied into slots of one
 * SharedArrayBuffer (small updates coalesced into the current slot), every
 * worker hashes the slot, and the slot is reused once all have released it:
 * one memcpy per byte, no per-chunk allocation, and the caller's buffer is
 * free again as soon as `update` resolves.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { VmfskitError } from '../errors.js';
import { startWorker } from '../worker-url.js';
import { ALGORITHMS, COST, hasherFactory, normalizeAlgorithm, type Algorithm } from './algorithms.js';
import { Lane, type Digests } from './lane.js';
import type { FromWorker, ToWorker, WorkerInit } from './hash-worker.js';

export type { Digests } from './lane.js';

/** Validate and normalise a user's list (`md5,SHA-256`); duplicates dropped, order kept. */
export function parseAlgorithms(algs: string[]): Algorithm[] {
  const out: Algorithm[] = [];
  for (const raw of algs.flatMap((a) => a.split(','))) {
    const name = raw.trim();
    if (!name) continue;
    const alg = normalizeAlgorithm(name);
    if (!alg) throw new VmfskitError('USAGE', `unknown hash algorithm '${name}' (known: ${ALGORITHMS.join(', ')})`);
    if (!out.includes(alg)) out.push(alg);
  }
  if (out.length === 0) throw new VmfskitError('USAGE', 'no hash algorithm given');
  return out;
}

export interface MultiHashOptions {
  /** Keep a second state per algorithm for `windowDigest()` (piecewise hashes; doubles the CPU cost). */
  windows?: boolean;
  /** Most worker threads to use (default: the CPUs available); 1 hashes in the calling thread. */
  threads?: number;
}

/** Greedy balance by cost: the most expensive algorithm first, into the lightest lane. */
export function planLanes(algs: Algorithm[], lanes: number): Algorithm[][] {
  const n = Math.max(1, Math.min(lanes, algs.length));
  const out: { algs: Algorithm[]; load: number }[] = Array.from({ length: n }, () => ({ algs: [], load: 0 }));
  for (const a of [...algs].sort((x, y) => COST[y] - COST[x])) {
    const lane = out.reduce((m, l) => (l.load < m.load ? l : m));
    lane.algs.push(a);
    lane.load += COST[a];
  }
  return out.map((l) => l.algs);
}

interface Backend {
  update(chunk: Uint8Array): Promise<void>;
  updateZeros(length: number): Promise<void>;
  windowDigest(): Promise<Digests>;
  digest(): Promise<Digests>;
  close(): Promise<void>;
}

export class MultiHash {
  private finished = false;

  private constructor(
    readonly algorithms: Algorithm[],
    private readonly backend: Backend,
  ) {}

  static async create(algs: string[], opts: MultiHashOptions = {}): Promise<MultiHash> {
    const list = parseAlgorithms(algs);
    const threads = opts.threads ?? os.availableParallelism();
    const lanes = planLanes(list, threads);
    const windows = opts.windows ?? false;
    const backend = lanes.length > 1 ? await WorkerBackend.start(lanes, windows) : new InThread(new Lane(list, await hasherFactory(), windows));
    return new MultiHash(list, backend);
  }

  /** The caller may reuse `chunk` as soon as this resolves. */
  async update(chunk: Buffer | Uint8Array): Promise<void> {
    this.live();
    if (chunk.length) await this.backend.update(chunk);
  }

  /** Hash `length` zero bytes (a hole / zero run) without the caller reading or allocating them. */
  async updateZeros(length: number): Promise<void> {
    this.live();
    if (!(length >= 0) || !Number.isSafeInteger(length)) throw new RangeError(`bad zero length ${length}`);
    if (length) await this.backend.updateZeros(length);
  }

  /** With `windows: true`: digests of the bytes since the previous window; starts the next window. */
  async windowDigest(): Promise<Record<string, string>> {
    this.live();
    return order(this.algorithms, await this.backend.windowDigest());
  }

  /** Lowercase hex per algorithm, keyed by the canonical name (md5, sha1, sha256, sha512, xxh64, xxh32). Ends the stream. */
  async digest(): Promise<Record<string, string>> {
    this.live();
    this.finished = true;
    return order(this.algorithms, await this.backend.digest());
  }

  async close(): Promise<void> {
    this.finished = true;
    await this.backend.close();
  }

  private live(): void {
    if (this.finished) throw new Error('MultiHash used after digest()/close()');
  }
}

function order(algs: Algorithm[], d: Digests): Digests {
  return Object.fromEntries(algs.map((a) => [a, d[a]!]));
}

class InThread implements Backend {
  constructor(private readonly lane: Lane) {}
  async update(chunk: Uint8Array): Promise<void> {
    this.lane.update(chunk);
  }
  async updateZeros(length: number): Promise<void> {
    this.lane.updateZeros(length);
  }
  async windowDigest(): Promise<Digests> {
    return this.lane.windowDigest();
  }
  async digest(): Promise<Digests> {
    return this.lane.digest();
  }
  async close(): Promise<void> {}
}

/**
 * Slots of the shared ring: enough to keep both workers busy while the
 * reader fills the next one. Large slots mean few thread hand-offs per GiB,
 * which is what costs most on a loaded machine (each one waits for a core).
 */
const SLOT_SIZE = 16 << 20;
const SLOTS = 3;
const ZERO_PIECE = 256 << 20;

interface LaneWorker {
  worker: Worker;
  /** Replies expected for window/digest requests, in order. */
  replies: { resolve: (d: Digests) => void; reject: (e: Error) => void }[];
}

class WorkerBackend implements Backend {
  private readonly ring: Buffer;
  /** Workers still hashing each slot. */
  private readonly busy: number[] = new Array(SLOTS).fill(0);
  private slot = 0;
  private fill = 0;
  /** Workers still hashing the current run of zeros. */
  private zerosBusy = 0;
  private slotFreed: (() => void) | undefined;
  private failure: Error | undefined;
  private referenced = false;

  private constructor(
    private readonly lanes: LaneWorker[],
    shared: SharedArrayBuffer,
  ) {
    this.ring = Buffer.from(shared);
    for (const l of lanes) {
      l.worker.unref();
      l.worker.on('message', (m: FromWorker) => this.onMessage(l, m));
      l.worker.on('error', (e) => this.fail(e));
      l.worker.on('exit', (code) => code !== 0 && this.fail(new Error(`hash worker exited with ${code}`)));
    }
  }

  static async start(lanes: Algorithm[][], windows: boolean): Promise<WorkerBackend> {
    const shared = new SharedArrayBuffer(SLOT_SIZE * SLOTS);
    const workers = lanes.map((algorithms): LaneWorker => {
      const init: WorkerInit = { algorithms, windows, shared, slotSize: SLOT_SIZE };
      return { worker: startWorker(import.meta.url, 'hash-worker', init), replies: [] };
    });
    return new WorkerBackend(workers, shared);
  }

  /**
   * Workers keep the process alive only while work is outstanding: a caller
   * that forgets close() (or dies on an error) must not hang the CLI, and a
   * pending digest must not let the process exit early.
   */
  private updateRef(): void {
    const pending = this.zerosBusy > 0 || this.busy.some((b) => b > 0) || this.lanes.some((l) => l.replies.length > 0);
    if (pending === this.referenced) return;
    this.referenced = pending;
    for (const l of this.lanes) pending ? l.worker.ref() : l.worker.unref();
  }

  private onMessage(l: LaneWorker, m: FromWorker): void {
    if (m.t === 'done' || m.t === 'zdone') {
      if (m.t === 'done') this.busy[m.slot]!--;
      else this.zerosBusy--;
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    } else if (m.t === 'digests') l.replies.shift()?.resolve(m.digests);
    else this.fail(new Error(`hash worker: ${m.message}`));
    this.updateRef();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const l of this.lanes) for (const r of l.replies.splice(0)) r.reject(this.failure);
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private post(m: ToWorker): void {
    for (const l of this.lanes) l.worker.postMessage(m);
  }

  /** Wait until `busy()` is false (woken by every reply from a worker). */
  private async until(busy: () => boolean): Promise<void> {
    while (busy()) {
      this.check();
      await new Promise<void>((r) => (this.slotFreed = r));
    }
    this.check();
  }

  /** Hand the filled part of the current slot to every worker and move on. */
  private flush(): void {
    if (this.fill === 0) return;
    this.busy[this.slot] = this.lanes.length;
    this.post({ t: 'data', slot: this.slot, length: this.fill });
    this.slot = (this.slot + 1) % SLOTS;
    this.fill = 0;
    this.updateRef();
  }

  async update(chunk: Uint8Array): Promise<void> {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.fill === 0) await this.until(() => this.busy[this.slot]! > 0);
      const n = Math.min(SLOT_SIZE - this.fill, chunk.length - pos);
      this.ring.set(chunk.subarray(pos, pos + n), this.slot * SLOT_SIZE + this.fill);
      this.fill += n;
      pos += n;
      if (this.fill === SLOT_SIZE) this.flush();
    }
  }

  /**
   * Zeros go out in pieces, one piece at a time: the caller (and its
   * progress display) stays at most one piece ahead of the workers.
   */
  async updateZeros(length: number): Promise<void> {
    this.check();
    this.flush();
    for (let left = length; left > 0; left -= ZERO_PIECE) {
      await this.until(() => this.zerosBusy > 0);
      this.zerosBusy = this.lanes.length;
      this.post({ t: 'zeros', length: Math.min(left, ZERO_PIECE) });
      this.updateRef();
    }
  }

  private request(t: 'window' | 'digest'): Promise<Digests> {
    this.check();
    this.flush();
    const parts = this.lanes.map(
      (l) =>
        new Promise<Digests>((resolve, reject) => {
          l.replies.push({ resolve, reject });
          l.worker.postMessage({ t } satisfies ToWorker);
        }),
    );
    this.updateRef();
    return Promise.all(parts).then((ds) => Object.assign({}, ...ds));
  }

  windowDigest(): Promise<Digests> {
    return this.request('window');
  }

  digest(): Promise<Digests> {
    return this.request('digest');
  }

  async close(): Promise<void> {
    this.failure ??= new Error('MultiHash closed');
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}
