/**
 * Small files of `hash -r`, hashed side by side: their data runs are read
 * into a slot (holes are not read: the map says they are zeros), a slot
 * holds many files, and a full slot goes to the next free worker, which
 * hashes each of its files with every algorithm. Few thread hand-offs for
 * thousands of files; memory is the slots, whatever the number of files.
 * Until enough bytes have come by to pay for starting threads, the slots
 * are hashed in the main thread.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlockDevice, Run } from '../device/block-device.js';
import { hasherFactory, type Algorithm, type HasherFactory } from './algorithms.js';
import type { Digests } from './lane.js';
import { startWorker } from '../worker-url.js';
import { hashSegments } from './tree-lane.js';
import type { FromTreeWorker, ToTreeWorker, TreeWorkerInit } from './tree-worker.js';

/** Largest file hashed in a slot; bigger ones go through hashDevice (their algorithms on several threads). */
export const SLOT_SIZE = 8 << 20;
const MAX_FILES_PER_SLOT = 1024;
/** Bytes hashed in the main thread before the workers are started (tens of ms each). */
const START_WORKERS_AFTER = 32 << 20;

interface Slot {
  buf: Buffer;
  busy: boolean;
}

interface Pending {
  resolve: (d: Digests[]) => void;
  reject: (e: Error) => void;
}

export class SmallFileHasher {
  private readonly slots: Slot[];
  private readonly shared: SharedArrayBuffer | undefined;
  private cur = 0;
  private fill = 0;
  private files: number[][] = [];
  private waiters: Array<(d: Digests[]) => void> = [];
  private failures: Array<(e: Error) => void> = [];
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private readonly inFlight = new Map<number, Pending>();
  private nextId = 0;
  private hashedInThread = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly algorithms: Algorithm[],
    private readonly make: HasherFactory,
    private readonly threads: number,
  ) {
    const n = threads > 1 ? threads * 2 : 1;
    this.shared = threads > 1 ? new SharedArrayBuffer(SLOT_SIZE * n) : undefined;
    this.slots = Array.from({ length: n }, (_, i) => ({ buf: this.shared ? Buffer.from(this.shared, i * SLOT_SIZE, SLOT_SIZE) : Buffer.allocUnsafe(SLOT_SIZE), busy: false }));
  }

  static async create(algorithms: Algorithm[], threads = os.availableParallelism()): Promise<SmallFileHasher> {
    return new SmallFileHasher(algorithms, await hasherFactory(), Math.max(1, threads));
  }

  /**
   * Read the file's data runs into the current slot; the promise is its
   * digests once the slot is hashed. A read error leaves the slot as it was.
   */
  async add(dev: BlockDevice, runs: Run[]): Promise<{ digests: Promise<Digests> }> {
    const data = runs.reduce((n, r) => n + (r.kind === 'data' ? r.length : 0), 0);
    if (this.fill + data > SLOT_SIZE || this.files.length >= MAX_FILES_PER_SLOT) await this.ship();
    const slot = this.slots[this.cur]!;
    const segs: number[] = [];
    let at = this.fill;
    for (const r of runs) {
      if (r.kind === 'zero') {
        segs.push(-r.length);
        continue;
      }
      const want = r.length;
      const got = await dev.read(slot.buf.subarray(at, at + want), r.offset);
      if (got !== want) throw new Error(`short read of ${dev.name} at ${r.offset}: ${got} of ${want} bytes`);
      segs.push(want);
      at += want;
    }
    this.fill = at;
    this.files.push(segs);
    const index = this.files.length - 1;
    // Wrapped: a promise returned from an async function would be awaited along with it.
    const digests = new Promise<Digests>((resolve, reject) => {
      // Each waiter gets the whole slot's digests and takes its own.
      this.waiters.push((ds) => resolve(ds[index]!));
      this.failures.push(reject);
    });
    digests.catch(() => {});
    return { digests };
  }

  /** Hand the current slot over (to a worker, or hash it here) and move to a free one. */
  async ship(): Promise<void> {
    if (this.files.length === 0) return;
    const slotIndex = this.cur;
    const slot = this.slots[slotIndex]!;
    const files = this.files;
    const waiters = this.waiters;
    const failures = this.failures;
    const bytes = this.fill;
    this.files = [];
    this.waiters = [];
    this.failures = [];
    this.fill = 0;
    const settle = (ds: Digests[]) => {
      for (const w of waiters) w(ds);
    };
    const fail = (e: Error) => {
      for (const f of failures) f(e);
    };
    if (this.threads > 1 && this.workers.length === 0 && this.hashedInThread + bytes > START_WORKERS_AFTER) this.startWorkers();
    if (this.workers.length === 0) {
      this.hashedInThread += bytes;
      try {
        settle(hashSegments(this.algorithms, this.make, slot.buf, files));
      } catch (e) {
        fail(e as Error);
      }
      return;
    }
    slot.busy = true;
    const worker = await this.idleWorker();
    const id = this.nextId++;
    this.inFlight.set(id, {
      resolve: (ds) => {
        slot.busy = false;
        settle(ds);
      },
      reject: (e) => {
        slot.busy = false;
        fail(e);
      },
    });
    worker.ref();
    worker.postMessage({ t: 'batch', id, slot: slotIndex, files } satisfies ToTreeWorker);
    this.cur = await this.freeSlot();
  }

  private startWorkers(): void {
    for (let i = 0; i < this.threads; i++) {
      const init: TreeWorkerInit = { algorithms: this.algorithms, shared: this.shared!, slotSize: SLOT_SIZE };
      const w = startWorker(import.meta.url, 'tree-worker', init);
      w.unref();
      w.on('message', (m: FromTreeWorker) => {
        if (m.t === 'error') return this.fail(new Error(`hash worker: ${m.message}`));
        w.unref();
        const p = this.inFlight.get(m.id);
        this.inFlight.delete(m.id);
        this.idle.push(w);
        p?.resolve(m.digests);
        this.poke();
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`hash worker exited with ${code}`)));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.inFlight.values()) p.reject(this.failure);
    this.inFlight.clear();
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async until<T>(get: () => T | undefined): Promise<T> {
    for (;;) {
      if (this.failure) throw this.failure;
      const v = get();
      if (v !== undefined) return v;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  private idleWorker(): Promise<Worker> {
    return this.until(() => this.idle.pop());
  }

  private freeSlot(): Promise<number> {
    return this.until(() => {
      const i = this.slots.findIndex((s) => !s.busy);
      return i < 0 ? undefined : i;
    });
  }

  /** Ship what is pending and wait until every slot is hashed. */
  async drain(): Promise<void> {
    await this.ship();
    await this.until(() => (this.inFlight.size === 0 ? true : undefined));
  }

  async close(): Promise<void> {
    this.failure ??= new Error('hasher closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
