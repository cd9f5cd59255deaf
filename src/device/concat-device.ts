/** Devices laid end to end: a spanned VMFS volume, a multi-extent VMDK. */
import type { BlockDevice, Run } from './block-device.js';
import { available } from './block-device.js';
import { mergeRuns, shiftRuns } from './runs.js';

export class ConcatDevice implements BlockDevice {
  readonly size: number;
  /** Start offset of each part. */
  private readonly starts: number[];

  constructor(
    readonly parts: BlockDevice[],
    readonly name: string,
  ) {
    this.starts = [];
    let pos = 0;
    for (const p of parts) {
      this.starts.push(pos);
      pos += p.size;
    }
    this.size = pos;
  }

  /** Index of the part holding `offset` (binary search; parts of size 0 are skipped). */
  partAt(offset: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    while (lo < this.parts.length - 1 && this.parts[lo]!.size === 0) lo++;
    return lo;
  }

  private async each(
    offset: number,
    length: number,
    fn: (part: BlockDevice, partOffset: number, n: number, done: number, partStart: number) => Promise<void>,
  ): Promise<void> {
    let done = 0;
    let i = this.partAt(offset);
    while (done < length) {
      const part = this.parts[i]!;
      const partOffset = offset + done - this.starts[i]!;
      const n = Math.min(length - done, part.size - partOffset);
      if (n > 0) await fn(part, partOffset, n, done, this.starts[i]!);
      done += Math.max(n, 0);
      i++;
    }
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    await this.each(offset, n, async (part, po, len, done) => {
      await part.read(buf.subarray(done, done + len), po);
    });
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    const out: Run[] = [];
    await this.each(offset, n, async (part, po, len, _done, partStart) => {
      out.push(...shiftRuns(await part.map(po, len), partStart));
    });
    return mergeRuns(out);
  }

  async close(): Promise<void> {
    for (const p of this.parts) await p.close();
  }
}
