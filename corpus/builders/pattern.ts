/**
 * Deterministic disk content for the corpus: the same (size, seed) always
 * gives the same bytes, so a rebuilt image can be checked against its
 * source. Each 64 KiB grain gets one of a few shapes, chosen so that every
 * reader path is exercised: all-zero grains (unallocated in sparse
 * formats), partly zero grains, a grain whose only data is its last byte,
 * seeded random data (incompressible, catches misplaced grains), text
 * (names its own offset, so a misplaced grain is readable in a hex dump),
 * a long zero run, and a non-zero last byte of the disk.
 *
 *   node dist/corpus/builders/pattern.js OUT.raw SIZE SEED
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GRAIN = 64 * 1024;

/** xorshift32: small, seedable, identical on every platform. */
function prng(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function fillRandom(buf: Buffer, start: number, end: number, next: () => number): void {
  for (let i = start; i < end; i++) buf[i] = next() & 0xff;
}

function fillText(buf: Buffer, start: number, end: number, base: number, seed: number): void {
  let i = start;
  while (i < end) {
    const line = Buffer.from(`vmfskit corpus seed=${seed} offset=0x${(base + i).toString(16).padStart(8, '0')}\n`, 'latin1');
    const n = Math.min(line.length, end - i);
    line.copy(buf, i, 0, n);
    i += n;
  }
}

/**
 * Fill `grain` (already zeroed, length ≤ GRAIN) with grain number `g`'s shape.
 * Grains 40 .. max(64, grains − 16) form one long zero run: it crosses the
 * 4 MiB point (where the 2 MiB extents of the split cases meet) and, in
 * disks above 32 MiB, whole grain tables, so that only the first and the
 * last grain tables hold data.
 */
function fillGrain(grain: Buffer, g: number, grains: number, seed: number, next: () => number): void {
  const base = g * GRAIN;
  const n = grain.length;
  if (g >= 40 && g < Math.max(64, grains - 16)) return;
  switch ((g + seed) % 8) {
    case 0:
      fillText(grain, 0, n, base, seed);
      break;
    case 2:
      fillRandom(grain, 0, Math.min(n, 16384), next);
      break;
    case 3:
      grain[n - 1] = 0x5a;
      break;
    case 5:
      fillText(grain, 0, Math.min(n, GRAIN / 2), base, seed);
      break;
    case 6:
      fillRandom(grain, Math.min(n, 30 * 1024), Math.min(n, 34 * 1024), next);
      break;
    default:
      // 1, 4, 7: all zero
      break;
  }
}

/** Generate the pattern's bytes [0, size) in grain order, handing each grain to `sink`. */
export function generatePattern(size: number, seed: number, sink: (grain: Buffer, offset: number) => void): void {
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0) throw new RangeError(`pattern size must be a positive multiple of 512, got ${size}`);
  const next = prng(seed);
  const buf = Buffer.alloc(GRAIN);
  const grains = Math.ceil(size / GRAIN);
  for (let off = 0, g = 0; off < size; off += GRAIN, g++) {
    const grain = buf.subarray(0, Math.min(GRAIN, size - off));
    grain.fill(0);
    fillGrain(grain, g, grains, seed, next);
    if (off + grain.length === size) grain[grain.length - 1] = 0xa5;
    sink(grain, off);
  }
}

export function writePatternFile(file: string, size: number, seed: number): void {
  const fd = openSync(file, 'wx');
  try {
    generatePattern(size, seed, (grain, offset) => writeSync(fd, grain, 0, grain.length, offset));
  } finally {
    closeSync(fd);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, size, seed] = process.argv.slice(2);
  if (!file || !size || !seed) {
    console.error('usage: pattern.js OUT.raw SIZE SEED');
    process.exit(2);
  }
  writePatternFile(file, Number(size), Number(seed));
}
