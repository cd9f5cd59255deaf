/**
 * What goes in front of the VMFS partition on a whole-LUN image: a GPT with
 * one "VMware VMFS" entry at LBA 2048 (what ESXi 5+ writes on a new
 * datastore) or an MBR whose first entry has type 0xFB at LBA 2048.
 */
import { crc32 } from 'node:zlib';
import { GPT_ENTRY, GPT_HEADER, MBR_ENTRY, encode } from './structs.js';

export const SECTOR = 512;
export const PARTITION_START_LBA = 2048;
/** Room after the partition for the backup GPT (33 sectors), rounded to 1 MiB like ESXi's alignment. */
export const GPT_TAIL = 1 << 20;

/** AA31E02A-400F-11DB-9590-000C2911D1B8 in GPT's mixed-endian byte order. */
const VMFS_TYPE_GUID = guidBytes('AA31E02A-400F-11DB-9590-000C2911D1B8');

function guidBytes(text: string): Buffer {
  const h = text.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

function protectiveOrPlainMbr(type: number, firstLba: number, sectors: number): Buffer {
  const mbr = Buffer.alloc(SECTOR);
  // CHS fields are the "beyond 8 GiB" marker (fe ff ff) that partitioning tools write.
  encode(mbr, 446, MBR_ENTRY, {
    type, firstLba, numSectors: Math.min(sectors, 0xffffffff),
    chsFirst: Buffer.from([0x00, 0x02, 0x00]), chsLast: Buffer.from([0xfe, 0xff, 0xff]),
  });
  mbr.writeUInt16LE(0xaa55, 510);
  return mbr;
}

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
    return { writes: [{ offset: 0, data: protectiveOrPlainMbr(0xfb, PARTITION_START_LBA, partSectors) }], lunSize: partitionOffset + partitionSize, partitionOffset };
  }
  const lunSize = partitionOffset + partitionSize + GPT_TAIL;
  const lastLba = lunSize / SECTOR - 1;
  const entries = Buffer.alloc(128 * 128);
  encode(entries, 0, GPT_ENTRY, {
    typeGuid: VMFS_TYPE_GUID, partGuid, firstLba: PARTITION_START_LBA, lastLba: PARTITION_START_LBA + partSectors - 1,
  });
  const entriesCrc = crc32(entries);
  const header = (current: number, backup: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(SECTOR);
    encode(h, 0, GPT_HEADER, {
      signature: 'EFI PART', revision: 0x10000, headerSize: 92, currentLba: current, backupLba: backup,
      firstUsableLba: 34, lastUsableLba: lastLba - 33, diskGuid, entriesLba, numEntries: 128, entrySize: 128, entriesCrc,
    });
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 0x10);
    return h;
  };
  return {
    lunSize,
    partitionOffset,
    writes: [
      { offset: 0, data: protectiveOrPlainMbr(0xee, 1, lunSize / SECTOR - 1) },
      { offset: SECTOR, data: header(1, lastLba, 2) },
      { offset: 2 * SECTOR, data: entries },
      { offset: (lastLba - 32) * SECTOR, data: entries },
      { offset: lastLba * SECTOR, data: header(lastLba, 1, lastLba - 32) },
    ],
  };
}
