/**
 * Deterministic test content (xorshift32 stream), so digests recorded from
 * external tools (xxhsum) stay valid: the same bytes are made at test time.
 */
export function pattern(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  for (; i < length; i++) out[i] = i & 0xff;
  return out;
}
