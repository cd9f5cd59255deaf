/**
 * The conversion pass: walk a device in order with the read-ahead pipeline
 * (large reads in flight while the previous chunk is being written and
 * hashed), turn map-known zero runs and long zero stretches inside data
 * into holes, hash what the output holds, in the same pass.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import type { Sink } from './sink.js';
import { findZeroRuns } from './zero-scan.js';

/** What the copy needs of a hasher (src/hash MultiHash fits). */
export interface CopyHasher {
  update(chunk: Buffer): Promise<void>;
  updateZeros(length: number): Promise<void>;
}

export interface CopyOptions {
  /** `-S`: zero stretches of at least this many bytes become holes; 0 = write every byte. */
  sparse: number;
  hasher?: CopyHasher;
  /** Called after each piece with the bytes done and the run being read. */
  progress?: (done: number, run: Run) => void;
  /** Throws when the copy must stop (a signal). Checked between pieces. */
  check?: () => void;
  /** Read size (default 4 MiB, perf-notes §3). */
  chunkSize?: number;
  /** Reads in flight ahead of the writer (default 2). */
  inFlight?: number;
}

export interface CopyStats {
  size: number;
  /** Bytes written to the output. */
  written: number;
  /** Bytes left as holes. */
  holes: number;
}

const CHUNK = 4 << 20;
/** Written for zero runs into an output that cannot have holes (stdout, -S 0). Never modified. */
const ZEROS = Buffer.alloc(CHUNK);

export async function copyDevice(dev: BlockDevice, sink: Sink, opts: CopyOptions): Promise<CopyStats> {
  const stats: CopyStats = { size: dev.size, written: 0, holes: 0 };
  const holes = sink.sparse && opts.sparse > 0;
  const hasher = opts.hasher;
  const check = opts.check ?? (() => {});
  const pairs: number[] = [];

  const zeros = async (offset: number, length: number, run: Run): Promise<void> => {
    if (holes) {
      await Promise.all([sink.hole(offset, length), hasher?.updateZeros(length)]);
      stats.holes += length;
      opts.progress?.(offset + length, run);
      return;
    }
    // Written out piece by piece, so a signal or the progress line is never far away.
    for (let pos = 0; pos < length; pos += CHUNK) {
      check();
      const n = Math.min(CHUNK, length - pos);
      await Promise.all([sink.write(ZEROS.subarray(0, n), offset + pos), hasher?.updateZeros(n)]);
      stats.written += n;
      opts.progress?.(offset + pos + n, run);
    }
  };

  const data = async (buf: Buffer, offset: number): Promise<void> => {
    const count = holes ? findZeroRuns(buf, opts.sparse, pairs) : 0;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const s = pairs[2 * i]!;
      const e = pairs[2 * i + 1]!;
      if (s > pos) await sink.write(buf.subarray(pos, s), offset + pos);
      await sink.hole(offset + s, e - s);
      stats.written += s - pos;
      stats.holes += e - s;
      pos = e;
    }
    if (pos < buf.length) await sink.write(buf.subarray(pos), offset + pos);
    stats.written += buf.length - pos;
  };

  for await (const c of readSequential(dev, { chunkSize: opts.chunkSize ?? CHUNK, inFlight: opts.inFlight ?? 2 })) {
    check();
    if (c.kind === 'zero') {
      await zeros(c.offset, c.length, c.run);
    } else {
      // Write and hash the same chunk at once; the reads ahead are already in flight.
      await Promise.all([data(c.data!, c.offset), hasher?.update(c.data!)]);
      opts.progress?.(c.offset + c.length, c.run);
    }
  }
  check();
  return stats;
}
