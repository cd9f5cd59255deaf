/**
 * Serves FUSE reads (at most 128 KiB each with libfuse2) from a device.
 *
 * Sequential readers: the kernel keeps only ~2 requests in flight per reader,
 * so per-request latency caps throughput (fuse-native-notes §6). A reader
 * that moves forward is served from 1 MiB chunks read ahead of it — one large
 * device read per chunk, several chunks in flight — so most FUSE requests are
 * a memory copy. Random small reads (TSK) go straight to the device, unless
 * the chunk they fall in is already cached.
 */
import type { BlockDevice } from '../device/block-device.js';
import { available } from '../device/block-device.js';
import { Lru } from '../device/lru.js';

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

export class ReadWindow {
  private readonly chunk: number;
  private readonly ahead: number;
  private readonly cache: Lru<number, Buffer>;
  /** How far from the expected offset a request still counts as sequential (kernel readahead reorders). */
  private readonly slack: number;

  constructor(
    readonly device: BlockDevice,
    o: WindowOptions = {},
  ) {
    this.chunk = o.chunkSize ?? DEFAULT_CHUNK;
    this.ahead = o.ahead ?? 4;
    this.cache = new Lru(o.keep ?? this.ahead * 2 + 2);
    this.slack = this.chunk * 2;
  }

  /**
   * Copy up to `len` bytes at `pos` into `dst`; returns the count (0 at end
   * of file). `dst` is libfuse's buffer: written only before the caller
   * answers, and never past its current length (0 once detached).
   */
  async read(dst: Buffer, len: number, pos: number, state: ReaderState): Promise<number> {
    const n = available(this.device, pos, Math.min(len, dst.length));
    if (n === 0) return 0;
    const sequential = Math.abs(pos - state.next) <= this.slack;
    state.next = Math.max(state.next, pos + n);
    const first = Math.floor(pos / this.chunk);
    const last = Math.floor((pos + n - 1) / this.chunk);
    if (!sequential && !this.allCached(first, last)) {
      return this.device.read(dst.subarray(0, n), pos);
    }
    let done = 0;
    for (let c = first; c <= last; c++) {
      const data = await this.load(c);
      if (dst.length < n) throw new Error('FUSE buffer detached before the read completed');
      const from = pos + done - c * this.chunk;
      done += data.copy(dst, done, from, Math.min(data.length, from + (n - done)));
    }
    if (sequential) this.prefetch(last + 1);
    return done;
  }

  private allCached(first: number, last: number): boolean {
    for (let c = first; c <= last; c++) if (!this.cache.get(c)) return false;
    return true;
  }

  private load(c: number): Promise<Buffer> {
    return this.cache.getOrLoad(c, async () => {
      const start = c * this.chunk;
      const buf = Buffer.allocUnsafe(available(this.device, start, this.chunk));
      await this.device.read(buf, start);
      return buf;
    });
  }

  /** Start loading the chunks ahead; a failure surfaces later, when a reader asks for that chunk. */
  private prefetch(from: number): void {
    const end = Math.ceil(this.device.size / this.chunk);
    for (let c = from; c < Math.min(end, from + this.ahead); c++) {
      this.load(c).catch(() => undefined);
    }
  }
}
