/**
 * A device read through with a few byte ranges replaced (a repaired view: a
 * destroyed boot sector or superblock read from its backup copy). The parent
 * is never written; the patches live in memory. In the map a patched range is
 * `data` held by no file, so nothing (sendfile in `cat`, a copy by extent)
 * takes the parent's bytes for it.
 */
import type { BlockDevice, Run } from './block-device.js';
import { available } from './block-device.js';
import { clipRuns, mergeRuns } from './runs.js';

export interface Patch {
  offset: number;
  bytes: Buffer;
  /** What the patch is, for listings ("boot sector from the backup in the last sector"). */
  why: string;
}

export class PatchedDevice implements BlockDevice {
  readonly size: number;
  private readonly patches: Patch[];

  constructor(
    readonly parent: BlockDevice,
    patches: Patch[],
    readonly name: string,
    private readonly owns = false,
  ) {
    this.size = parent.size;
    this.patches = [...patches].sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < this.patches.length; i++) {
      const p = this.patches[i]!;
      const prev = this.patches[i - 1];
      if (p.offset < 0 || p.offset + p.bytes.length > this.size || (prev && prev.offset + prev.bytes.length > p.offset)) {
        throw new RangeError(`patch ${p.offset}+${p.bytes.length} overlaps another or lies outside ${parent.name}`);
      }
    }
  }

  /** The patches, for `info`/`partitions` to say exactly what differs from the evidence. */
  get changes(): readonly Patch[] {
    return this.patches;
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    if (n === 0) return 0;
    await this.parent.read(n === buf.length ? buf : buf.subarray(0, n), offset);
    for (const p of this.patches) {
      const s = Math.max(p.offset, offset);
      const e = Math.min(p.offset + p.bytes.length, offset + n);
      if (e > s) buf.set(p.bytes.subarray(s - p.offset, e - p.offset), s - offset);
    }
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    if (n === 0) return [];
    let runs = await this.parent.map(offset, n);
    for (const p of this.patches) {
      const s = Math.max(p.offset, offset);
      const e = Math.min(p.offset + p.bytes.length, offset + n);
      if (e <= s) continue;
      runs = [...clipRuns(runs, offset, s - offset), { offset: s, length: e - s, kind: 'data' }, ...clipRuns(runs, e, offset + n - e)];
    }
    return mergeRuns(runs);
  }

  async close(): Promise<void> {
    if (this.owns) await this.parent.close();
  }
}
