/**
 * The hash algorithms vmfskit knows, behind one streaming interface, and
 * the names examiners' tools use for them (md5sum, BSD --tag, hashdeep,
 * xxhsum, DFXML). Runs in the main thread or in a hashing worker.
 */
import { createHash, type Hash } from 'node:crypto';
import xxhash from 'xxhash-wasm';
import { native, type NativeAddon } from '../device/native.js';

export const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512', 'xxh64', 'xxh32'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface AlgorithmInfo {
  /** Hex digits in the digest. */
  hexLength: number;
  /** The word of the BSD `--tag` line (`MD5 (name) = hex`), as coreutils/xxhsum print it. */
  tag: string;
  /** The tool whose check-file format we follow. */
  tool: string;
}

export const INFO: Record<Algorithm, AlgorithmInfo> = {
  md5: { hexLength: 32, tag: 'MD5', tool: 'md5sum' },
  sha1: { hexLength: 40, tag: 'SHA1', tool: 'sha1sum' },
  sha256: { hexLength: 64, tag: 'SHA256', tool: 'sha256sum' },
  sha512: { hexLength: 128, tag: 'SHA512', tool: 'sha512sum' },
  xxh64: { hexLength: 16, tag: 'XXH64', tool: 'xxhsum -H1' },
  xxh32: { hexLength: 8, tag: 'XXH32', tool: 'xxhsum -H0' },
};

export function isAlgorithm(s: string): s is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(s);
}

/** Accepts `SHA-256`, `sha256`, `XXH64`, `xxhash64`… ; returns undefined when unknown. */
export function normalizeAlgorithm(s: string): Algorithm | undefined {
  const k = s.toLowerCase().replace(/[-_ ]/g, '').replace(/^xxhash/, 'xxh');
  return isAlgorithm(k) ? k : undefined;
}

export interface StreamHasher {
  update(data: Uint8Array): void;
  /** Lowercase hex, zero-padded to the algorithm's width. */
  digest(): string;
}

type XXHashAPI = Awaited<ReturnType<typeof xxhash>>;
let xxApi: Promise<XXHashAPI> | undefined;

export type HasherFactory = (alg: Algorithm) => StreamHasher;

/** XXH64 from the native addon: it hashes the caller's bytes in place (wasm copies them in first, ~2× the time). */
function nativeXxh64(addon: NativeAddon): StreamHasher {
  const state = Buffer.alloc(addon.xxh64StateSize);
  addon.xxh64Reset(state);
  return { update: (d) => addon.xxh64Update(state, d), digest: () => addon.xxh64Digest(state) };
}

/**
 * Loads the wasm module once (when the native addon lacks XXH64, or for XXH32);
 * the factory it returns creates hashers synchronously. `useNative` false forces wasm (tests).
 */
export async function hasherFactory(useNative = true): Promise<HasherFactory> {
  const addon = useNative ? native() : null;
  const fast = addon && typeof addon.xxh64Update === 'function' ? addon : null;
  const xx = await (xxApi ??= xxhash());
  return (alg) => {
    switch (alg) {
      case 'xxh64': {
        if (fast) return nativeXxh64(fast);
        const h = xx.create64();
        return { update: (d) => void h.update(d), digest: () => h.digest().toString(16).padStart(16, '0') };
      }
      case 'xxh32': {
        const h = xx.create32();
        return { update: (d) => void h.update(d), digest: () => (h.digest() >>> 0).toString(16).padStart(8, '0') };
      }
      default: {
        const h: Hash = createHash(alg);
        return { update: (d) => void h.update(d), digest: () => h.digest('hex') };
      }
    }
  };
}

/**
 * Relative CPU cost per byte on this class of machine (perf-notes §2: md5 ≈
 * 690 MB/s, sha1 ≈ 1280, sha256 ≈ 1350 with SHA-NI, xxh64-wasm ≈ 5000);
 * used only to balance algorithms over worker threads.
 */
export const COST: Record<Algorithm, number> = {
  md5: 1.45,
  sha1: 0.78,
  sha256: 0.74,
  sha512: 1.6,
  xxh64: 0.2,
  xxh32: 0.45,
};
