/**
 * Locker-style damage, seeded: what ESXiArgs-like ransomware leaves in a
 * flat VMDK — ciphertext over the first MiB ("first"), or over the first and
 * last MiB and one MiB every 64 MiB ("spread"). The "ciphertext" is a
 * xorshift32 stream, so every run damages the same bytes. Used by
 * test/entropy.test.ts and corpus/oracles/entropy.sh.
 *
 *   node dist/corpus/builders/locker-damage.js GUEST.raw OUT.raw SIZE first|spread
 *   (copies GUEST, grows it to SIZE bytes with zeros, damages it; prints the ranges as JSON)
 */
import { closeSync, copyFileSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MiB = 1 << 20;
export type Range = [start: number, end: number];

/** xorshift32 bytes from `seed`. */
export function prng(seed: number): (buf: Buffer) => Buffer {
  let s = seed >>> 0 || 1;
  return (buf) => {
    for (let i = 0; i + 4 <= buf.length; i += 4) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      buf.writeUInt32LE(s, i);
    }
    return buf;
  };
}

/** The damaged ranges of a disk of `size` bytes (merged, in order). */
export function lockerRanges(size: number, style: 'first' | 'spread'): Range[] {
  const raw: Range[] = [[0, MiB]];
  if (style === 'spread') {
    for (let at = 64 * MiB; at + MiB <= size; at += 64 * MiB) raw.push([at, at + MiB]);
    raw.push([size - MiB, size]);
  }
  const out: Range[] = [];
  for (const [a, b] of raw.sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && last[1] >= a) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Copy `guest` to `out`, grown to `size` bytes, and encrypt `style`'s ranges. */
export function damageCopy(guest: string, out: string, size: number, style: 'first' | 'spread'): Range[] {
  copyFileSync(guest, out);
  const ranges = lockerRanges(size, style);
  const fd = openSync(out, 'r+');
  try {
    ftruncateSync(fd, size);
    ranges.forEach(([a, b], i) => writeSync(fd, prng(0x10c4e7 + i)(Buffer.alloc(b - a)), 0, b - a, a));
  } finally {
    closeSync(fd);
  }
  return ranges;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [guest, out, size, style] = process.argv.slice(2);
  if (!guest || !out || !size || (style !== 'first' && style !== 'spread')) {
    process.stderr.write('usage: locker-damage.js GUEST.raw OUT.raw SIZE first|spread\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(damageCopy(guest, out, Number(size), style)) + '\n');
}
