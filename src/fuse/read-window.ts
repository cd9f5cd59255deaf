/**
 * Serves FUSE reads (at most 128 KiB each with libfuse2) from a device.
 *
 * Sequential readers: the kernel keeps only a few requests in flight per
 * reader, so per-request latency caps throughput (fuse-native-notes §6). A
 * reader that moves forward is served from 1 MiB chunks read ahead of it —
 * one large device read per chunk, several chunks in flight — so most FUSE
 * requests are a memory copy, answered without a promise hop. Random small
 * reads (TSK) go straight to the device unless their chunk is cached.
 *
 * Chunk buffers are recycled: a buffer leaves the cache only by eviction,
 * goes to the free list, and is refilled by a later load. A reader therefore
 * checks, in the same synchronous block as its copy, that the chunk it awaited
 * is still the cached one.
 */
import type { BlockDevice } from '../device/block-device.js';
import { available } from '../device/block-device.js';
import { alignedBuffer } from '../device/aligned.js';

export interface WindowOptions {
  /** Bytes per cached chunk (one device read). */
  chunkSize?: number;
  /** Chunks read ahead of a sequential reader. */
  ahead?: number;
  /** Chunks kept per device. */
  keep?: number;
}

/** Where one open handle expects its next read: requests of one reader arrive slightly out of order. */
export interface ReaderState {
  next: number;
}

const DEFAULT_CHUNK = 1 << 20;
/** Bound on retries when a chunk is evicted between its load and the copy (only under heavy contention). */
const MAX_RELOADS = 8;

export class ReadWindow {
  private readonly chunk: number;
  private readonly ahead: number;
  private readonly keep: number;
  /** Cached chunks in least-recently-used-first order (Map keeps insertion order). */
  private readonly cache = new Map<number, Buffer>();
  private readonly loading = new Map<number, Promise<Buffer>>();
  private readonly free: Buffer[] = [];
  /** How far from the expected offset a request still counts as sequential (kernel readahead reorders). */
  private readonly slack: number;

  constructor(
    readonly device: BlockDevice,
    o: WindowOptions = {},
  ) {
    this.chunk = o.chunkSize ?? DEFAULT_CHUNK;
    this.ahead = o.ahead ?? 4;
    this.keep = Math.max(o.keep ?? this.ahead * 2 + 2, this.ahead + 2);
    this.slack = this.chunk * 2;
  }

  /**
   * Copy up to `len` bytes at `pos` into `dst` when every chunk involved is
   * cached; returns the count, or -1 when the caller must use `read()`.
   */
  readCached(dst: Buffer, len: number, pos: number, state: ReaderState): number {
    const n = available(this.device, pos, Math.min(len, dst.length));
    if (n === 0) return 0;
    const first = Math.floor(pos / this.chunk);
    const last = Math.floor((pos + n - 1) / this.chunk);
    for (let c = first; c <= last; c++) if (!this.cache.has(c)) return -1;
    const sequential = this.isSequential(pos, n, state);
    this.copyOut(dst, pos, n, first, last);
    if (sequential) this.prefetch(last + 1);
    return n;
  }

  /**
   * Copy up to `len` bytes at `pos` into `dst`; returns the count (0 at end
   * of file). `dst` is libfuse's buffer: written only before the caller
   * answers, and never past its current length (0 once detached).
   */
  async read(dst: Buffer, len: number, pos: number, state: ReaderState): Promise<number> {
    const n = available(this.device, pos, Math.min(len, dst.length));
    if (n === 0) return 0;
    const sequential = this.isSequential(pos, n, state);
    const first = Math.floor(pos / this.chunk);
    const last = Math.floor((pos + n - 1) / this.chunk);
    if (!sequential) {
      for (let c = first; c <= last; c++) if (!this.cache.has(c)) return this.device.read(dst.subarray(0, n), pos);
    }
    if (sequential) this.prefetch(first);
    for (let attempt = 0; ; attempt++) {
      const wanted: Array<Promise<Buffer>> = [];
      for (let c = first; c <= last; c++) wanted.push(this.load(c));
      try {
        await Promise.all(wanted);
      } catch {
        // A damaged structure somewhere in the chunk must not fail the bytes around it:
        // read just what was asked (its own error, if any, is the answer).
        return this.device.read(dst.subarray(0, n), pos);
      }
      if (dst.length < n) throw new Error('FUSE buffer detached before the read completed');
      let all = true;
      for (let c = first; c <= last && all; c++) all = this.cache.has(c);
      if (all) {
        this.copyOut(dst, pos, n, first, last);
        break;
      }
      if (attempt >= MAX_RELOADS) return this.device.read(dst.subarray(0, n), pos);
    }
    if (sequential) this.prefetch(last + 1);
    return n;
  }

  private isSequential(pos: number, n: number, state: ReaderState): boolean {
    const sequential = Math.abs(pos - state.next) <= this.slack;
    state.next = Math.max(state.next, pos + n);
    if (!sequential) state.next = pos + n;
    return sequential;
  }

  /** Synchronous: the chunks are cached and cannot be recycled while this runs. */
  private copyOut(dst: Buffer, pos: number, n: number, first: number, last: number): void {
    let done = 0;
    for (let c = first; c <= last; c++) {
      const data = this.touch(c);
      const from = pos + done - c * this.chunk;
      done += data.copy(dst, done, from, Math.min(data.length, from + (n - done)));
    }
  }

  /** Mark chunk `c` most recently used. */
  private touch(c: number): Buffer {
    const data = this.cache.get(c)!;
    this.cache.delete(c);
    this.cache.set(c, data);
    return data;
  }

  private load(c: number): Promise<Buffer> {
    const hit = this.cache.get(c);
    if (hit) return Promise.resolve(hit);
    const pending = this.loading.get(c);
    if (pending) return pending;
    const start = c * this.chunk;
    const len = available(this.device, start, this.chunk);
    // A file smaller than a chunk (most files on a datastore) gets a buffer of its own size.
    const base = len < this.chunk && this.device.size < this.chunk ? Buffer.allocUnsafe(len) : (this.free.pop() ?? alignedBuffer(this.chunk));
    const buf = len === base.length ? base : base.subarray(0, len);
    const p = this.device.read(buf, start).then(
      (n) => {
        this.loading.delete(c);
        // A device never reads short inside its size; if one did, the chunk must not pass for whole.
        if (n !== len) throw new Error(`short read: ${n} of ${len} bytes at ${start}`);
        this.insert(c, buf);
        return buf;
      },
      (e) => {
        this.loading.delete(c);
        // Not recycled: a device read can reject while some of its parts are still landing in `buf`.
        throw e;
      },
    );
    this.loading.set(c, p);
    return p;
  }

  private insert(c: number, buf: Buffer): void {
    this.cache.set(c, buf);
    while (this.cache.size > this.keep) {
      const [oldest, old] = this.cache.entries().next().value as [number, Buffer];
      this.cache.delete(oldest);
      this.recycle(old);
    }
  }

  /** Keep whole chunk allocations for reuse (the last chunk of a device is a shorter view of one). */
  private recycle(buf: Buffer): void {
    if (this.free.length >= this.keep || buf.buffer.byteLength !== this.chunk || buf.byteOffset !== 0) return;
    this.free.push(buf.length === this.chunk ? buf : Buffer.from(buf.buffer, 0, this.chunk));
  }

  /** Start loading the chunks ahead; a failure surfaces later, when a reader asks for that chunk. */
  private prefetch(from: number): void {
    const end = Math.ceil(this.device.size / this.chunk);
    for (let c = from; c < Math.min(end, from + this.ahead); c++) {
      if (!this.cache.has(c) && !this.loading.has(c)) this.load(c).catch(() => undefined);
    }
  }
}
