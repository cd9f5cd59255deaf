/**
 * One lane: a set of algorithms fed the same bytes, optionally twice (the
 * running total and the current window for piecewise hashes). Used as is in
 * the main thread, and inside each hashing worker.
 */
import type { Algorithm, HasherFactory, StreamHasher } from './algorithms.js';

const ZERO_CHUNK = 1 << 20;
const STEP = 1 << 20;
let zeros: Buffer | undefined;
/** Zeros are hashed from one shared buffer: a hole costs CPU but no I/O or allocation. */
function zeroChunk(): Buffer {
  return (zeros ??= Buffer.alloc(ZERO_CHUNK));
}

export type Digests = Record<string, string>;

export class Lane {
  private total: StreamHasher[];
  private window: StreamHasher[] | undefined;

  constructor(
    readonly algorithms: Algorithm[],
    private readonly make: HasherFactory,
    windows: boolean,
  ) {
    this.total = algorithms.map(make);
    this.window = windows ? algorithms.map(make) : undefined;
  }

  /** In 1 MiB steps, every hasher per step: the bytes stay in the core's L2 cache across algorithms. */
  update(data: Uint8Array): void {
    for (let pos = 0; pos < data.length; pos += STEP) {
      const part = data.subarray(pos, Math.min(data.length, pos + STEP));
      for (const h of this.total) h.update(part);
      if (this.window) for (const h of this.window) h.update(part);
    }
  }

  updateZeros(length: number): void {
    const z = zeroChunk();
    for (let left = length; left > 0; left -= z.length) this.update(left >= z.length ? z : z.subarray(0, left));
  }

  /** Digest of the bytes since the previous call (or the start); the window starts again. */
  windowDigest(): Digests {
    if (!this.window) throw new Error('lane created without windows');
    const out = collect(this.algorithms, this.window);
    this.window = this.algorithms.map(this.make);
    return out;
  }

  digest(): Digests {
    return collect(this.algorithms, this.total);
  }
}

function collect(algs: Algorithm[], hashers: StreamHasher[]): Digests {
  const out: Digests = {};
  algs.forEach((a, i) => (out[a] = hashers[i]!.digest()));
  return out;
}
