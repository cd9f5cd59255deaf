/** A window [start, start+size) of another device: a partition, a VMFS extent, a FLAT extent. */
import type { BlockDevice, Run } from './block-device.js';
import { available } from './block-device.js';
import { shiftRuns } from './runs.js';

export class SliceDevice implements BlockDevice {
  constructor(
    readonly parent: BlockDevice,
    readonly start: number,
    readonly size: number,
    readonly name: string = `${parent.name}[${start}+${size}]`,
    /** Close the parent when this slice is closed. */
    private readonly owns = false,
  ) {
    if (start < 0 || size < 0 || start + size > parent.size) {
      throw new RangeError(`slice ${start}+${size} outside ${parent.name} (${parent.size} bytes)`);
    }
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    if (n === 0) return 0;
    const view = n === buf.length ? buf : buf.subarray(0, n);
    await this.parent.read(view, this.start + offset);
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    if (n === 0) return [];
    return shiftRuns(await this.parent.map(this.start + offset, n), -this.start);
  }

  async close(): Promise<void> {
    if (this.owns) await this.parent.close();
  }
}
