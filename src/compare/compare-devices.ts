/**
 * Bit-for-bit comparison of two devices. As `qemu-img compare`: when the
 * sizes differ, the longer device's extra part must read as zeros, unless
 * strict mode, where a size difference alone is a difference.
 */
import type { BlockDevice } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import { pairedChunks } from './paired-chunks.js';
import { RangeCollector, diffInto, type ByteRange } from './diff-ranges.js';
import { FileDevice } from '../device/file-device.js';
import { native } from '../device/native.js';

/**
 * Two host files (raw images, devices) are compared where they lie in the page cache, without
 * copying them into our buffers (2 GiB of copies for two 1 GiB images). A range found different is
 * still read, to name its exact bytes; a file that cannot be mapped is read from then on.
 */
function mappedComparison(a: BlockDevice, b: BlockDevice): ((offset: number, length: number) => boolean | undefined) | undefined {
  const n = native();
  if (!(a instanceof FileDevice) || !(b instanceof FileDevice) || typeof n?.mappedEqual !== 'function') return undefined;
  let usable = true;
  return (offset, length) => {
    if (!usable) return undefined;
    try {
      return n.mappedEqual(a.fd, offset, b.fd, offset, length);
    } catch {
      usable = false;
      return undefined;
    }
  };
}

export interface CompareOptions {
  strict?: boolean;
  /** Most differing ranges to report; the scan stops after the next one is found (0 = scan everything). */
  maxDiffs?: number;
  onProgress?: (done: number) => void;
  check?: () => void;
}

export interface CompareResult {
  identical: boolean;
  sizeA: number;
  sizeB: number;
  sizeMismatch: boolean;
  /** Exact first differing byte (also the first non-zero byte of the longer side's tail). */
  firstDifference?: number;
  ranges: ByteRange[];
  /** True when the scan stopped at --max-diffs: more differences may exist. */
  truncated: boolean;
  /** Bytes found differing in the part that was scanned. */
  differingBytes: number;
}

export async function compareDevices(a: BlockDevice, b: BlockDevice, opts: CompareOptions = {}): Promise<CompareResult> {
  const common = Math.min(a.size, b.size);
  const sizeMismatch = a.size !== b.size;
  const out = new RangeCollector(opts.maxDiffs ?? 0);
  const result = (): CompareResult => ({
    identical: out.ranges.length === 0 && !(sizeMismatch && opts.strict),
    sizeA: a.size,
    sizeB: b.size,
    sizeMismatch,
    firstDifference: out.first,
    ranges: out.ranges,
    truncated: out.overflow,
    differingBytes: out.differingBytes,
  });
  if (sizeMismatch && opts.strict) return result();

  for await (const c of pairedChunks(a, b, 0, common, { sameBytes: mappedComparison(a, b) })) {
    opts.check?.();
    diffInto(out, c.offset, c.a, c.b, c.length);
    opts.onProgress?.(c.offset + c.length);
    if (out.overflow) return result();
  }
  // The longer side's tail is compared against zeros.
  const longer = a.size > b.size ? a : b;
  for await (const c of readSequential(longer, { start: common })) {
    opts.check?.();
    if (c.kind === 'data') diffInto(out, c.offset, c.data!, null, c.length);
    opts.onProgress?.(c.offset + c.length);
    if (out.overflow) break;
  }
  return result();
}
