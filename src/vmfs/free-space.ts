/**
 * The file blocks `.fbb.sf` marks free, as one device laid end to end (what
 * TSK's `blkls` gives for unallocated space), with the map from each byte of
 * that view back to the volume and the host file. VMFS-3/5 (vmfs-format.md
 * §6.3: one bit per file block in each cluster's metadata, set = free); a
 * VMFS-6 volume supplies its own free map (SFB/LFB levels, §6.4) to the same
 * builder.
 */
import type { BlockDevice } from '../device/block-device.js';
import { ConcatDevice } from '../device/concat-device.js';
import { SliceDevice } from '../device/slice-device.js';
import type { ErrorWhere } from '../errors.js';

/** One stretch of consecutive free file blocks. */
export interface FreeRun {
  /** First file block number. */
  block: number;
  count: number;
  /** Byte offset of the run in the volume (block × block size). */
  volumeOffset: number;
  /** Byte offset of the run in the free-space view. */
  viewOffset: number;
}

export interface FreeSpace {
  blockSize: number;
  /** File blocks the volume has (the bitmap's count, cut to the volume's length). */
  blocks: number;
  freeBlocks: number;
  runs: FreeRun[];
  /** Bitmap clusters whose metadata could not be trusted: their blocks are treated as used. */
  unreadable: number[];
  /** The free blocks, in block order, as one device of freeBlocks × blockSize bytes. Closing it leaves the volume open. */
  view: BlockDevice;
  /** Where byte `viewOffset` of the view lies: the volume offset, and the host file and offset. */
  locate(viewOffset: number): { run: FreeRun; volumeOffset: number; host: ErrorWhere };
}

/** Builds the view over `volume` from a per-block free map (1 = free). */
export function freeSpaceView(volume: BlockDevice, blockSize: number, free: Uint8Array, unreadable: number[], hostOf: (volumeOffset: number) => ErrorWhere): FreeSpace {
  const blocks = Math.min(free.length, Math.floor(volume.size / blockSize));
  const runs: FreeRun[] = [];
  let viewOffset = 0;
  for (let b = 0; b < blocks; ) {
    if (!free[b]) {
      b++;
      continue;
    }
    let e = b + 1;
    while (e < blocks && free[e]) e++;
    runs.push({ block: b, count: e - b, volumeOffset: b * blockSize, viewOffset });
    viewOffset += (e - b) * blockSize;
    b = e;
  }
  const name = `${volume.name} (free blocks)`;
  const parts = runs.map((r) => new SliceDevice(volume, r.volumeOffset, r.count * blockSize, `${volume.name}[free blocks ${r.block}+${r.count}]`));
  const concat = new ConcatDevice(parts, name);
  const view: BlockDevice = {
    size: concat.size,
    name,
    read: (buf, offset) => concat.read(buf, offset),
    map: (offset, length) => concat.map(offset, length),
    close: async () => {},
  };
  const locate = (off: number) => {
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid]!.viewOffset <= off) lo = mid;
      else hi = mid - 1;
    }
    const run = runs[lo];
    if (!run || off < run.viewOffset || off >= run.viewOffset + run.count * blockSize) throw new RangeError(`offset ${off} is outside the free-space view (${concat.size} bytes)`);
    const volumeOffset = run.volumeOffset + (off - run.viewOffset);
    return { run, volumeOffset, host: hostOf(volumeOffset) };
  };
  return { blockSize, blocks, freeBlocks: viewOffset / blockSize, runs, unreadable, view, locate };
}
