/**
 * A device's bytes, in order, to a writer. Large windows (fewer, larger
 * reads: each hop through the thread pool costs time on a busy machine),
 * one window read ahead while the previous one is written, and windows
 * that the map says are all zeros written from a shared zero buffer.
 */
import type { BlockDevice } from '../device/block-device.js';

const WINDOW = 8 << 20;
const ZEROS = Buffer.alloc(WINDOW);

async function fetch(dev: BlockDevice, offset: number, buf: Buffer): Promise<Buffer | null> {
  const len = Math.min(buf.length, dev.size - offset);
  const runs = await dev.map(offset, len);
  if (runs.every((r) => r.kind === 'zero')) return null;
  const view = buf.subarray(0, len);
  await dev.read(view, offset);
  return view;
}

export async function catDevice(dev: BlockDevice, write: (b: Uint8Array) => Promise<void>): Promise<void> {
  const bufs = [Buffer.allocUnsafe(WINDOW), Buffer.allocUnsafe(WINDOW)];
  let next: Promise<Buffer | null> | null = dev.size > 0 ? fetch(dev, 0, bufs[0]!) : null;
  for (let offset = 0, k = 0; next; offset += WINDOW, k++) {
    const data = await next;
    const following = offset + WINDOW;
    next = following < dev.size ? fetch(dev, following, bufs[(k + 1) % 2]!) : null;
    next?.catch(() => {}); // observed on the next turn; no unhandled rejection if the write fails first
    await write(data ?? ZEROS.subarray(0, Math.min(WINDOW, dev.size - offset)));
  }
}
