/**
 * The file sink writes whole aligned blocks with O_DIRECT and the partial
 * blocks around them through the page cache: whatever the offsets and the
 * buffers' place in memory, the file must hold exactly the bytes handed
 * over, the skipped ranges must stay holes, and a split set must cut where
 * it should — with direct I/O and without.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { FileSetSink, type Piece } from '../src/convert/file-sink.js';
import { alignedBuffer } from '../src/device/aligned.js';
import { scratchCleaned } from './helpers/scratch.js';

const scratch = scratchCleaned();
const KiB = 1024;
const MiB = 1024 * KiB;

/** Deterministic non-zero bytes. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = (x >> 16) | 1;
  }
  return b;
}

/** [offset, length, memory] writes in ascending order; the gaps between them are holes. */
const WRITES: Array<[number, number, 'aligned' | 'odd']> = [
  [0, 1 * MiB, 'aligned'], // whole blocks, aligned memory: direct
  [1 * MiB + 100, 9000, 'aligned'], // partial blocks at both ends around a whole one
  [2 * MiB, 64 * KiB, 'odd'], // whole blocks but unaligned memory: page cache
  [2 * MiB + 64 * KiB, 512, 'aligned'], // a lone sector right after
  [3 * MiB - 300, 2 * MiB + 700, 'aligned'], // across the 3 MiB split point below, unaligned at both ends
  [6 * MiB, 1 * MiB, 'odd'],
];
const SIZE = 8 * MiB + 512; // ends in a hole, on a sector that no block completes

function buffers(): Array<[number, Buffer]> {
  return WRITES.map(([offset, length, memory], i) => {
    const data = pattern(length, i + 1);
    const buf = memory === 'aligned' ? alignedBuffer(length) : Buffer.allocUnsafeSlow(length + 1).subarray(1);
    data.copy(buf);
    return [offset, buf];
  });
}

function expected(): Buffer {
  const out = Buffer.alloc(SIZE);
  for (const [offset, buf] of buffers()) buf.copy(out, offset);
  return out;
}

async function writeAll(pieces: Piece[], direct: boolean): Promise<string[]> {
  const sink = new FileSetSink(pieces, { direct });
  let pos = 0;
  for (const [offset, buf] of buffers()) {
    if (offset > pos) await sink.hole(pos, offset - pos);
    await sink.write(buf, offset);
    pos = offset + buf.length;
  }
  await sink.hole(pos, SIZE - pos);
  return sink.finish();
}

describe.each([true, false])('FileSetSink (direct %s)', (direct) => {
  it('holds exactly the bytes written, holes where nothing was written, exact size', async () => {
    const dir = scratch('file-sink');
    const out = path.join(dir, 'out.raw');
    const files = await writeAll([{ final: out, partial: `${out}.partial`, start: 0, size: SIZE }], direct);
    expect(files).toEqual([out]);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readFileSync(out).equals(expected())).toBe(true);
    const st = statSync(out);
    expect(st.size).toBe(SIZE);
    // Written: a little over 5 MiB; the rest (about 3 MiB) are holes.
    expect(st.blocks * 512).toBeLessThan(6 * MiB);
  });

  it('a split set whose piece size is not a whole number of pages', async () => {
    const dir = scratch('file-sink-split');
    const split = 3 * MiB + 512;
    const pieces: Piece[] = [];
    for (let start = 0, i = 1; start < SIZE; start += split, i++) {
      const name = path.join(dir, `out.raw.00${i}`);
      pieces.push({ final: name, partial: `${name}.partial`, start, size: Math.min(split, SIZE - start) });
    }
    const files = await writeAll(pieces, direct);
    expect(files).toHaveLength(3);
    const joined = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(joined.equals(expected())).toBe(true);
    expect(files.map((f) => statSync(f).size)).toEqual(pieces.map((p) => p.size));
  });
});
