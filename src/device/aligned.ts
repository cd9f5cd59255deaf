/**
 * Page-aligned memory for large reads and for O_DIRECT writes. A pread into
 * a page-aligned buffer is 2-3 times faster than into one at malloc's 16-byte
 * offset (1 GiB from the page cache: ~75 ms against 170-250 ms on this
 * machine), and a direct write needs the memory aligned. Node never says
 * where a Buffer lies in memory, the addon does; without it buffers are
 * simply unaligned and direct writes go through the page cache.
 */
import { native } from './native.js';

/** One page: covers the logical block size and DMA alignment of 512e and 4Kn disks alike. */
export const DIRECT_ALIGN = 4096;

function alignSkip(): ((bytes: Uint8Array, align: number) => number) | null {
  const a = native();
  // An addon built before alignSkip existed lacks it.
  return a && typeof a.alignSkip === 'function' ? a.alignSkip : null;
}

/** True when the addon can say where memory lies (alignedBuffer aligns, isAligned can answer yes). */
export function canAlign(): boolean {
  return alignSkip() !== null;
}

/** `size` bytes starting at a multiple of DIRECT_ALIGN in memory when the addon can tell (contents undefined). */
export function alignedBuffer(size: number, shared = false): Buffer {
  const skip = alignSkip();
  if (!skip) return shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
  const raw = shared ? Buffer.from(new SharedArrayBuffer(size + DIRECT_ALIGN)) : Buffer.allocUnsafeSlow(size + DIRECT_ALIGN);
  const at = skip(raw, DIRECT_ALIGN);
  return raw.subarray(at, at + size);
}

/** True when `bytes` starts at a multiple of DIRECT_ALIGN in memory (never without the addon). */
export function isAligned(bytes: Uint8Array): boolean {
  const skip = alignSkip();
  return skip !== null && skip(bytes, DIRECT_ALIGN) === 0;
}
