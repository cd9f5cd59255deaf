/** A device for tests that must prove what was read: data in `extents`, zeros elsewhere (as its map says), bytes read counted. */
import type { BlockDevice, Run } from '../../src/device/block-device.js';
import { available } from '../../src/device/block-device.js';

export class CountingDevice implements BlockDevice {
  bytesRead = 0;
  constructor(
    readonly size: number,
    private readonly extents: Array<{ offset: number; data: Buffer }>,
    readonly name = 'counting',
  ) {}

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    this.bytesRead += n;
    buf.fill(0, 0, n);
    for (const e of this.extents) {
      const from = Math.max(offset, e.offset);
      const to = Math.min(offset + n, e.offset + e.data.length);
      if (from < to) buf.set(e.data.subarray(from - e.offset, to - e.offset), from - offset);
    }
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const end = offset + available(this, offset, length);
    const runs: Run[] = [];
    let pos = offset;
    for (const e of [...this.extents].sort((x, y) => x.offset - y.offset)) {
      const from = Math.max(pos, e.offset);
      const to = Math.min(end, e.offset + e.data.length);
      if (from >= to) continue;
      if (from > pos) runs.push({ offset: pos, length: from - pos, kind: 'zero' });
      runs.push({ offset: from, length: to - from, kind: 'data' });
      pos = to;
    }
    if (pos < end) runs.push({ offset: pos, length: end - pos, kind: 'zero' });
    return runs;
  }

  async close(): Promise<void> {}
}
