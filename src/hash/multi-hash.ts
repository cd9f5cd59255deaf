/**
 * Several hash algorithms over one stream of bytes, fed once. The public
 * surface is what convert, hash and verify use; how the work is spread over
 * threads is this module's business.
 */
import { VmfskitError } from '../errors.js';
import { ALGORITHMS, createHasher, normalizeAlgorithm, type Algorithm, type StreamHasher } from './algorithms.js';

/** Zeros are hashed from one shared buffer: a hole costs CPU but no I/O or allocation. */
const ZERO_CHUNK = 1 << 20;
let zeros: Buffer | undefined;
export function zeroChunk(): Buffer {
  return (zeros ??= Buffer.alloc(ZERO_CHUNK));
}

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

export class MultiHash {
  private constructor(
    readonly algorithms: Algorithm[],
    private readonly hashers: StreamHasher[],
  ) {}

  static async create(algs: string[]): Promise<MultiHash> {
    const list = parseAlgorithms(algs);
    return new MultiHash(list, await Promise.all(list.map(createHasher)));
  }

  /** The caller may reuse `chunk` as soon as this resolves. */
  async update(chunk: Buffer): Promise<void> {
    for (const h of this.hashers) h.update(chunk);
  }

  async updateZeros(length: number): Promise<void> {
    const z = zeroChunk();
    for (let left = length; left > 0; left -= z.length) {
      const piece = left >= z.length ? z : z.subarray(0, left);
      for (const h of this.hashers) h.update(piece);
    }
  }

  /** Lowercase hex per algorithm, keyed by the canonical name (md5, sha1, sha256, sha512, xxh64, xxh32). */
  async digest(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    this.algorithms.forEach((a, i) => (out[a] = this.hashers[i]!.digest()));
    return out;
  }

  async close(): Promise<void> {}
}
