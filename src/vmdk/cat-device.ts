/** A device's bytes, in order, to a writer: data read ahead in large chunks, zero runs from one shared buffer. */
import type { BlockDevice } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';

const ZEROS = Buffer.alloc(4 << 20);

export async function catDevice(dev: BlockDevice, write: (b: Uint8Array) => Promise<void>): Promise<void> {
  for await (const c of readSequential(dev, { chunkSize: 4 << 20, inFlight: 2 })) {
    if (c.data) {
      await write(c.data);
      continue;
    }
    for (let left = c.length; left > 0; left -= ZEROS.length) await write(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
  }
}
