/**
 * MultiHash against independent references: node:crypto one-shot digests of
 * the same bytes, and xxhsum 0.8.1 output recorded below.
 */
import { describe, expect, it } from 'vitest';
import { MultiHash } from '../src/hash/multi-hash.js';
import { pattern } from './hash-pattern.js';
import { digestHex } from './helpers/hash.js';

const CRYPTO = ['md5', 'sha1', 'sha256', 'sha512'] as const;

function reference(buf: Buffer): Record<string, string> {
  return Object.fromEntries(CRYPTO.map((a) => [a, digestHex(a, buf)]));
}

// Recorded with `xxhsum -H1 FILE` / `xxhsum -H0 FILE` (xxhsum 0.8.1) on files
// written from pattern(): pat0 = pattern(0), pat1 = pattern(3158093),
// pat2 = pattern(1), patz = pattern(1 MiB) + 5 MiB+7 zeros + pattern(1000, 42).
const XXHSUM = {
  pat0: { xxh64: 'ef46db3751d8e999', xxh32: '02cc5d05' },
  pat1: { xxh64: 'a1f611829a245f2c', xxh32: '6151a560' },
  pat2: { xxh64: 'e934a84adb052768', xxh32: 'cf65b03e' },
  patz: { xxh64: '15fccfb759131c24', xxh32: '6ccef36d' },
};

const ALL = ['md5', 'sha1', 'sha256', 'sha512', 'xxh64', 'xxh32'];

async function hashInPieces(buf: Buffer, piece: number, threads: number, algs = ALL): Promise<Record<string, string>> {
  const mh = await MultiHash.create(algs, { threads });
  try {
    // One reused buffer, as the read pipeline does: catches a hasher that keeps a reference.
    const scratchBuf = Buffer.alloc(piece);
    for (let o = 0; o < buf.length; o += piece) {
      const n = buf.copy(scratchBuf, 0, o, o + piece);
      await mh.update(scratchBuf.subarray(0, n));
      scratchBuf.fill(0xa5);
    }
    return await mh.digest();
  } finally {
    await mh.close();
  }
}

// threads 1 = the in-thread lane; 2 and 3 = worker lanes over the shared ring.
describe.each([1, 2, 3])('MultiHash with %i thread(s)', (threads) => {
  for (const [name, len, piece] of [
    ['pat0', 0, 4096],
    ['pat1', 3158093, 1 << 20],
    ['pat2', 1, 1],
  ] as const) {
    it(`matches node:crypto and xxhsum on ${name} (${len} bytes)`, async () => {
      const buf = pattern(len);
      const got = await hashInPieces(buf, piece, threads);
      expect(got).toEqual({ ...reference(buf), ...XXHSUM[name] });
    });
  }

  it('odd piece sizes give the same digests', async () => {
    const buf = pattern(3158093);
    expect(await hashInPieces(buf, 65537, threads)).toEqual(await hashInPieces(buf, 4 << 20, threads));
  });

  it('updateZeros equals hashing the zero bytes', async () => {
    const head = pattern(1 << 20);
    const tail = pattern(1000, 42);
    const zlen = 5 * (1 << 20) + 7;
    const mh = await MultiHash.create(ALL, { threads });
    await mh.update(head);
    await mh.updateZeros(zlen);
    await mh.update(tail);
    const got = await mh.digest();
    await mh.close();
    expect(got).toEqual({ ...reference(Buffer.concat([head, Buffer.alloc(zlen), tail])), ...XXHSUM.patz });
  });

  it('accepts spelling variants, drops duplicates, keeps order', async () => {
    const mh = await MultiHash.create(['SHA-256,md5', 'sha256'], { threads });
    expect(mh.algorithms).toEqual(['sha256', 'md5']);
    expect(Object.keys(await mh.digest())).toEqual(['sha256', 'md5']);
    await mh.close();
  });

  it('refuses an unknown algorithm with a usage error', async () => {
    await expect(MultiHash.create(['md5', 'crc32'])).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
  });

  it('window digests cover each window, the total covers everything', async () => {
    const buf = pattern(3 * (1 << 20) + 5);
    const mh = await MultiHash.create(['md5', 'sha256', 'xxh64'], { threads, windows: true });
    const cuts = [0, 1 << 20, 1 << 20, 3 * (1 << 20) + 5]; // includes an empty window
    const windows = [];
    for (let i = 1; i < cuts.length; i++) {
      await mh.update(buf.subarray(cuts[i - 1], cuts[i]));
      windows.push(await mh.windowDigest());
    }
    const total = await mh.digest();
    await mh.close();
    for (let i = 1; i < cuts.length; i++) {
      const part = buf.subarray(cuts[i - 1], cuts[i]);
      expect(windows[i - 1]!.md5).toBe(digestHex('md5', part));
      expect(windows[i - 1]!.sha256).toBe(digestHex('sha256', part));
    }
    expect(windows[1]!.xxh64).toBe(XXHSUM.pat0.xxh64);
    expect(total.md5).toBe(digestHex('md5', buf));
  });
});

describe('MultiHash zero runs larger than one worker piece (256 MiB)', () => {
  it('updateZeros(257 MiB + 3) in worker lanes equals hashing the zeros', async () => {
    const len = (257 << 20) + 3;
    const mh = await MultiHash.create(['sha1', 'xxh64'], { threads: 2 });
    await mh.update(Buffer.from('head'));
    await mh.updateZeros(len);
    await mh.update(Buffer.from('tail'));
    const got = await mh.digest();
    await mh.close();
    // Recorded: { printf head; head -c $((257*1048576+3)) /dev/zero; printf tail; } | sha1sum / xxhsum -H1 -
    expect(got).toEqual({ sha1: '7f4496c388fba95f8eed26fab9f3d5a948a65f90', xxh64: 'bc9c817e703b41b9' });
  });
});
