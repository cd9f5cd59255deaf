/**
 * The native XXH64 (native/xxh64.cc) gives the digests of xxhash-wasm and of
 * the reference vectors, whatever the update sizes (the 32-byte stripe
 * buffer is where a streaming hash goes wrong).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { hasherFactory } from '../src/hash/algorithms.js';
import { native } from '../src/device/native.js';

// Under CI the addon is built by `npm ci`: its absence is a failure, not a skip.
const addon = native();
if (!addon && process.env.CI) throw new Error('CI is set but the native addon is not built (npm run build:native)');

describe.runIf(addon !== null)('native XXH64', () => {
  it('reference vectors (xxHash: empty input, "abc")', async () => {
    const f = await hasherFactory();
    const empty = f('xxh64');
    expect(empty.digest()).toBe('ef46db3751d8e999');
    const abc = f('xxh64');
    abc.update(Buffer.from('abc'));
    expect(abc.digest()).toBe('44bc2cf5ad770999');
  });

  it('equals xxhash-wasm for every length 0..300 and for 1 MiB fed in odd pieces', async () => {
    const nat = await hasherFactory(true);
    const wasm = await hasherFactory(false);
    const data = randomBytes(1 << 20);
    for (let n = 0; n <= 300; n++) {
      const a = nat('xxh64');
      const b = wasm('xxh64');
      a.update(data.subarray(0, n));
      b.update(data.subarray(0, n));
      expect(a.digest(), `length ${n}`).toBe(b.digest());
    }
    const a = nat('xxh64');
    const b = wasm('xxh64');
    const cuts = [1, 31, 32, 33, 7, 64, 4096, 3, 100000];
    let pos = 0;
    for (let i = 0; pos < data.length; i++) {
      const n = Math.min(cuts[i % cuts.length]!, data.length - pos);
      a.update(data.subarray(pos, pos + n));
      pos += n;
    }
    b.update(data);
    expect(a.digest()).toBe(b.digest());
  });
});
