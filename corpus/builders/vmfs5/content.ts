/**
 * File content for built volumes: random-access byte sources (so a 1 MiB
 * block of a big file is produced without materialising the file) and the
 * sha256 of a file's expected logical content (data pieces + zeros).
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';

/**
 * Where a piece of content comes from.
 * - `pattern`: `length` pseudo-random bytes from `seed`; byte i depends only
 *   on (seed, i), so any range is reproducible on its own.
 * - `text` / `bytes`: given literally.
 * - `file`: a host file (read-only), from `offset` (default 0) for `length`
 *   bytes (default: to its end).
 * - `zeros`: `length` zero bytes that are still *written* (an eager-zeroed
 *   thick block is data, not a hole).
 */
export type Content =
  | { kind: 'pattern'; seed: number; length: number }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'file'; path: string; offset?: number; length?: number }
  | { kind: 'zeros'; length: number };

export interface Source {
  readonly length: number;
  /** Fill `dst` with bytes [offset, offset + dst.length) of this source (caller keeps it in range). */
  readInto(dst: Buffer, offset: number): void;
}

/** One 32-bit word of the pattern: a counter-mode integer hash, so ranges are independent. */
function patternWord(seed: number, index: number): number {
  let x = (Math.imul(index, 0x9e3779b1) ^ Math.imul(seed + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

class PatternSource implements Source {
  constructor(readonly seed: number, readonly length: number) {}
  readInto(dst: Buffer, offset: number): void {
    let i = 0;
    // Whole aligned words in one call each; the byte loop below only handles the ragged ends.
    if (offset % 4 === 0) {
      const whole = dst.length - (dst.length % 4);
      for (let w = offset / 4; i < whole; i += 4, w++) dst.writeUInt32LE(patternWord(this.seed, w), i);
    }
    while (i < dst.length) {
      const pos = offset + i;
      const word = patternWord(this.seed, Math.floor(pos / 4));
      for (let b = pos % 4; b < 4 && i < dst.length; b++, i++) dst[i] = (word >>> (8 * b)) & 0xff;
    }
  }
}

class BufferSource implements Source {
  constructor(private readonly data: Buffer) {}
  get length(): number {
    return this.data.length;
  }
  readInto(dst: Buffer, offset: number): void {
    this.data.copy(dst, 0, offset, offset + dst.length);
  }
}

class ZeroSource implements Source {
  constructor(readonly length: number) {}
  readInto(dst: Buffer): void {
    dst.fill(0);
  }
}

/** A host file opened read-only on each read: the builder must never hold evidence open or change atimes. */
class HostFileSource implements Source {
  constructor(private readonly path: string, private readonly start: number, readonly length: number) {}
  readInto(dst: Buffer, offset: number): void {
    const fd = openSync(this.path, constants.O_RDONLY | (constants.O_NOATIME ?? 0));
    try {
      let done = 0;
      while (done < dst.length) {
        const n = readSync(fd, dst, done, dst.length - done, this.start + offset + done);
        if (n === 0) throw new Error(`${this.path}: short read at ${this.start + offset + done}`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

export function openContent(c: Content): Source {
  switch (c.kind) {
    case 'pattern':
      return new PatternSource(c.seed, c.length);
    case 'text':
      return new BufferSource(Buffer.from(c.text, 'utf8'));
    case 'bytes':
      return new BufferSource(Buffer.from(c.data));
    case 'zeros':
      return new ZeroSource(c.length);
    case 'file': {
      const fd = openSync(c.path, constants.O_RDONLY);
      const size = fstatSync(fd).size;
      closeSync(fd);
      const start = c.offset ?? 0;
      const length = c.length ?? size - start;
      if (start < 0 || length < 0 || start + length > size) throw new Error(`${c.path}: range ${start}+${length} outside the file (${size} bytes)`);
      return new HostFileSource(c.path, start, length);
    }
  }
}

/** A data piece placed at a logical offset of a file. */
export interface Piece {
  offset: number;
  source: Source;
}

const CHUNK = 1 << 20;
const ZERO_CHUNK = Buffer.alloc(CHUNK);

function hashZeros(h: Hash, n: number): void {
  while (n > 0) {
    const k = Math.min(n, CHUNK);
    h.update(k === CHUNK ? ZERO_CHUNK : ZERO_CHUNK.subarray(0, k));
    n -= k;
  }
}

/**
 * sha256 of the logical content: pieces (sorted, non-overlapping) with zeros
 * between and after them up to `size`.
 */
export function sha256OfPieces(pieces: readonly Piece[], size: number): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  for (const p of pieces) {
    hashZeros(h, p.offset - pos);
    for (let done = 0; done < p.source.length; done += CHUNK) {
      const view = buf.subarray(0, Math.min(CHUNK, p.source.length - done));
      p.source.readInto(view, done);
      h.update(view);
    }
    pos = p.offset + p.source.length;
  }
  hashZeros(h, size - pos);
  return h.digest('hex');
}

/** sha256 of each piece alone, for files too big to hash whole in a test. */
export function sha256OfPiece(p: Piece): string {
  return sha256OfPieces([{ offset: 0, source: p.source }], p.source.length);
}

/** Fill `dst` with the logical bytes [offset, offset + dst.length) of a file made of `pieces`. */
export function readPieces(pieces: readonly Piece[], dst: Buffer, offset: number): void {
  dst.fill(0);
  const end = offset + dst.length;
  for (const p of pieces) {
    const pEnd = p.offset + p.source.length;
    if (pEnd <= offset || p.offset >= end) continue;
    const from = Math.max(offset, p.offset);
    const to = Math.min(end, pEnd);
    p.source.readInto(dst.subarray(from - offset, to - offset), from - p.offset);
  }
}
