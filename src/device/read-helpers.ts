/** Small helpers around BlockDevice.read for metadata parsing. */
import type { BlockDevice } from './block-device.js';
import { VmfskitError } from '../errors.js';

/**
 * Read exactly `length` bytes at `offset`, or fail naming the structure:
 * metadata that runs past the end of its container is a truncated image.
 */
export async function readExact(dev: BlockDevice, offset: number, length: number, structure: string): Promise<Buffer> {
  if (offset < 0 || length < 0 || offset + length > dev.size) {
    throw new VmfskitError('TRUNCATED', `${length} bytes needed but the file ends at byte ${dev.size}`, {
      file: dev.name,
      structure,
      offset,
    });
  }
  const buf = Buffer.allocUnsafe(length);
  await dev.read(buf, offset);
  return buf;
}

const ZEROS = Buffer.alloc(1 << 20);

/** True when every byte of `buf` is zero: native memcmp against a zero page, 1 MiB at a time. */
export function isZero(buf: Uint8Array): boolean {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  for (let pos = 0; pos < b.length; pos += ZEROS.length) {
    const n = Math.min(ZEROS.length, b.length - pos);
    if (ZEROS.compare(b, pos, pos + n, 0, n) !== 0) return false;
  }
  return true;
}

/**
 * Like Promise.all, but settles only when every part has: a read that fails
 * while other parts are still landing in the caller's buffer must not hand
 * that buffer back (a cache would reuse it and the late parts overwrite the
 * next chunk). Throws the first failure, in order.
 */
export async function allSettledOrThrow(parts: Iterable<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(parts);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
