/**
 * The conversion pass: walk a device in order with the read-ahead pipeline
 * (large reads in flight while the previous chunk is being written and
 * hashed), turn map-known zero runs and long zero stretches inside data
 * into holes, hash what the output holds, in the same pass.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import type { Sink } from './sink.js';
import { findZeroRuns, granuleFor } from './zero-scan.js';
import { alignedBuffer } from '../device/aligned.js';

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
/** Written for zero runs into an output that cannot have holes (stdout, -S 0). Never modified; aligned for direct writes. */
const ZEROS = alignedBuffer(CHUNK).fill(0);

export async function copyDevice(dev: BlockDevice, sink: Sink, opts: CopyOptions): Promise<CopyStats> {
  const stats: CopyStats = { size: dev.size, written: 0, holes: 0 };
  const holes = sink.sparse && opts.sparse > 0;
  const hasher = opts.hasher;
  const check = opts.check ?? (() => {});
  const granule = granuleFor(opts.sparse);
  const pairs: number[] = [];

  /**
   * Zeros not yet written: a zero stretch at the end of one chunk may go on
   * in the next, so whether it is long enough for a hole (-S) is decided
   * when data follows. Zeros need no buffer, so waiting costs nothing.
   */
  let pendingAt = 0;
  let pendingLen = 0;
  /** The pending zeros include a run the map knows as zero: always a hole (as qemu-img leaves unallocated clusters). */
  let pendingKnown = false;

  const writeZeros = async (offset: number, length: number, run?: Run): Promise<void> => {
    // Piece by piece, so a signal or the progress line is never far away.
    for (let pos = 0; pos < length; pos += CHUNK) {
      check();
      const n = Math.min(CHUNK, length - pos);
      await sink.write(ZEROS.subarray(0, n), offset + pos);
      stats.written += n;
      if (run) opts.progress?.(offset + pos + n, run);
    }
  };

  const settle = async (): Promise<void> => {
    if (pendingLen === 0) return;
    if (pendingKnown || pendingLen >= opts.sparse) {
      await sink.hole(pendingAt, pendingLen);
      stats.holes += pendingLen;
    } else {
      await writeZeros(pendingAt, pendingLen);
    }
    pendingLen = 0;
    pendingKnown = false;
  };

  const addPending = (offset: number, length: number, known: boolean): void => {
    if (pendingLen === 0) pendingAt = offset;
    pendingLen += length;
    pendingKnown ||= known;
  };

  const writeData = async (buf: Buffer, from: number, to: number, offset: number): Promise<void> => {
    if (to <= from) return;
    await settle();
    await sink.write(buf.subarray(from, to), offset + from);
    stats.written += to - from;
  };

  /** Data chunk into a sparse output: long zero stretches become holes, short ones are written. */
  const sparseData = async (buf: Buffer, offset: number): Promise<void> => {
    const count = findZeroRuns(buf, granule, pairs);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const s = pairs[2 * i]!;
      const e = pairs[2 * i + 1]!;
      if (s === 0 || e === buf.length) {
        // Touches a chunk edge: joins the zeros before it, or may go on in the next chunk.
        await writeData(buf, pos, s, offset);
        addPending(offset + s, e - s, false);
        pos = e;
      } else if (e - s >= opts.sparse) {
        await writeData(buf, pos, s, offset);
        addPending(offset + s, e - s, false);
        await settle();
        pos = e;
      }
    }
    await writeData(buf, pos, buf.length, offset);
  };

  for await (const c of readSequential(dev, { chunkSize: opts.chunkSize ?? CHUNK, inFlight: opts.inFlight ?? 2, shared: true, alloc: alignedBuffer })) {
    check();
    if (c.kind === 'zero') {
      if (holes) {
        addPending(c.offset, c.length, true);
        await hasher?.updateZeros(c.length);
        opts.progress?.(c.offset + c.length, c.run);
      } else {
        await Promise.all([hasher?.updateZeros(c.length), writeZeros(c.offset, c.length, c.run)]);
      }
    } else {
      // Write and hash the same chunk at once; the reads ahead are already in flight.
      const data = c.data!;
      await Promise.all([holes ? sparseData(data, c.offset) : writeData(data, 0, data.length, c.offset), hasher?.update(data)]);
      opts.progress?.(c.offset + c.length, c.run);
    }
  }
  await settle();
  check();
  return stats;
}
