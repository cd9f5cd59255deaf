/** Reads as zeros: ZERO extents, holes, a missing part read on request. */
import type { BlockDevice, Run } from './block-device.js';
import { available } from './block-device.js';
import { singleRun } from './runs.js';

export class ZeroDevice implements BlockDevice {
  constructor(
    readonly size: number,
    readonly name = 'zeros',
  ) {}

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    buf.fill(0, 0, n);
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    return singleRun(offset, available(this, offset, length), 'zero');
  }

  async close(): Promise<void> {}
}
