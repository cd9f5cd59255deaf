/**
 * What goes in front of the VMFS partition on a whole-LUN image: a GPT with
 * one "VMware VMFS" entry at LBA 2048 (what ESXi 5+ writes on a new
 * datastore) or an MBR whose first entry has type 0xFB at LBA 2048.
 */
import { GPT_TYPES, gptWrites, mbrSector } from '../gpt.js';

export const SECTOR = 512;
export const PARTITION_START_LBA = 2048;
/** Room after the partition for the backup GPT (33 sectors), rounded to 1 MiB like ESXi's alignment. */
export const GPT_TAIL = 1 << 20;

export interface TableWrites {
  /** Byte ranges of the LUN image to write. */
  writes: Array<{ offset: number; data: Buffer }>;
  lunSize: number;
  partitionOffset: number;
}

/** The table for a LUN that carries one VMFS partition of `partitionSize` bytes. */
export function partitionTable(kind: 'none' | 'gpt' | 'mbr', partitionSize: number, diskGuid: Buffer, partGuid: Buffer): TableWrites {
  if (kind === 'none') return { writes: [], lunSize: partitionSize, partitionOffset: 0 };
  const partitionOffset = PARTITION_START_LBA * SECTOR;
  const partSectors = partitionSize / SECTOR;
  if (kind === 'mbr') {
    return { writes: [{ offset: 0, data: mbrSector(0xfb, PARTITION_START_LBA, partSectors) }], lunSize: partitionOffset + partitionSize, partitionOffset };
  }
  const lunSize = partitionOffset + partitionSize + GPT_TAIL;
  const vmfs = { type: GPT_TYPES.vmfs, partGuid, firstLba: PARTITION_START_LBA, lastLba: PARTITION_START_LBA + partSectors - 1 };
  return { lunSize, partitionOffset, writes: gptWrites(lunSize, SECTOR, diskGuid, [vmfs]) };
}
