/** GUID partition table: both headers checked, backup used when the primary is damaged. */
import { crc32 } from './crc32.js';
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { decode, layoutSize } from './binary-struct.js';
import type { PartitionEntry, PartitionTable } from './types.js';

export const VMFS_GPT_TYPE = 'AA31E02A-400F-11DB-9590-000C2911D1B8';

/** GPT header (UEFI spec 5.3.2), at LBA 1 (primary) or the last LBA (backup). */
const HEADER = {
  signature: [0x00, 'cstr:8'],
  revision: [0x08, 'u32'],
  headerSize: [0x0c, 'u32'],
  headerCrc: [0x10, 'u32'],
  myLba: [0x18, 'u64'],
  alternateLba: [0x20, 'u64'],
  firstUsableLba: [0x28, 'u64'],
  lastUsableLba: [0x30, 'u64'],
  diskGuid: [0x38, 'guid'],
  entriesLba: [0x48, 'u64'],
  entryCount: [0x50, 'u32'],
  entrySize: [0x54, 'u32'],
  entriesCrc: [0x58, 'u32'],
} as const;

/** GPT partition entry (UEFI spec 5.3.3). */
const ENTRY = {
  typeGuid: [0x00, 'guid'],
  uniqueGuid: [0x10, 'guid'],
  firstLba: [0x20, 'u64'],
  lastLba: [0x28, 'u64'],
  attributes: [0x30, 'u64'],
  name: [0x38, 'utf16:72'],
} as const;

const UNUSED = '00000000-0000-0000-0000-000000000000';
/** The spec's minimum array is 16 KiB; no real table is near 1 MiB. */
const MAX_ENTRIES_BYTES = 1 << 20;

async function readAt(dev: BlockDevice, offset: number, length: number): Promise<Buffer | null> {
  if (offset < 0 || offset + length > dev.size) return null;
  const buf = Buffer.alloc(length);
  await dev.read(buf, offset);
  return buf;
}

type Parsed = { entries: PartitionEntry[] } | { problem: string; offset: number };

/** Parse and verify one header and its entry array; a problem string when it is not usable. */
async function parseAt(dev: BlockDevice, lba: number, sector: number): Promise<Parsed> {
  const offset = lba * sector;
  const buf = await readAt(dev, offset, sector);
  if (!buf) return { problem: 'header lies beyond the end of the LUN', offset };
  const h = decode(HEADER, buf);
  if (h.signature !== 'EFI PART') return { problem: 'no "EFI PART" signature', offset };
  if (h.headerSize < layoutSize(HEADER) || h.headerSize > sector) return { problem: `header size ${h.headerSize} is out of range`, offset };
  const copy = Buffer.from(buf.subarray(0, h.headerSize));
  copy.writeUInt32LE(0, 0x10);
  if (crc32(copy) !== h.headerCrc) return { problem: 'header CRC32 does not match', offset };
  if (h.myLba !== lba) return { problem: `header says it is at LBA ${h.myLba}, found at LBA ${lba}`, offset };
  if (h.entrySize < 128 || h.entrySize % 8 !== 0 || h.entryCount * h.entrySize > MAX_ENTRIES_BYTES) {
    return { problem: `entry array of ${h.entryCount} × ${h.entrySize} bytes is out of range`, offset };
  }
  if (!Number.isSafeInteger(h.entriesLba * sector)) return { problem: `entry array LBA ${h.entriesLba} is out of range`, offset };
  const arr = await readAt(dev, h.entriesLba * sector, h.entryCount * h.entrySize);
  if (!arr) return { problem: `entry array at LBA ${h.entriesLba} lies beyond the end of the LUN`, offset };
  if (crc32(arr) !== h.entriesCrc) return { problem: 'entry array CRC32 does not match', offset };
  const entries: PartitionEntry[] = [];
  for (let i = 0; i < h.entryCount; i++) {
    const e = decode(ENTRY, arr, i * h.entrySize);
    if (e.typeGuid === UNUSED) continue;
    const start = e.firstLba * sector;
    const end = (e.lastLba + 1) * sector;
    if (!Number.isSafeInteger(end) || e.lastLba < e.firstLba || end > dev.size) {
      throw new VmfskitError('CORRUPT', `partition ${i + 1} spans LBA ${e.firstLba}–${e.lastLba}, outside the LUN (${dev.size} bytes)`, {
        file: dev.name,
        structure: `GPT entry ${i + 1}`,
        offset: h.entriesLba * sector + i * h.entrySize,
      });
    }
    entries.push({ index: i + 1, start, size: end - start, type: e.typeGuid, name: e.name, isVmfs: e.typeGuid === VMFS_GPT_TYPE });
  }
  return { entries };
}

/**
 * The GPT of `dev` for one sector size, or null when there is none. The
 * backup header (at the primary's alternate LBA, else the last sector) is
 * used when the primary one fails its checks; both failing is an error.
 */
export async function readGpt(dev: BlockDevice, sector: number): Promise<PartitionTable | null> {
  const primary = await parseAt(dev, 1, sector);
  if ('entries' in primary) return { scheme: 'gpt', sectorSize: sector, partitions: primary.entries, warnings: [] };
  if (primary.problem === 'no "EFI PART" signature' || primary.problem === 'header lies beyond the end of the LUN') {
    // Only a protective MBR tells us a GPT was here at all; the caller decides.
    const backup = await tryBackup(dev, sector, null);
    return backup ? { ...backup, warnings: [`primary GPT header at LBA 1: ${primary.problem}; using the backup header`] } : null;
  }
  const backup = await tryBackup(dev, sector, primary);
  if (!backup) {
    throw new VmfskitError('CORRUPT', `${primary.problem}, and no valid backup header was found`, {
      file: dev.name,
      structure: 'primary GPT header',
      offset: primary.offset,
    });
  }
  return { ...backup, warnings: [`primary GPT header at LBA 1: ${primary.problem}; using the backup header`] };
}

async function tryBackup(dev: BlockDevice, sector: number, primary: { offset: number } | null): Promise<PartitionTable | null> {
  const lastLba = Math.floor(dev.size / sector) - 1;
  const candidates = new Set<number>([lastLba]);
  if (primary) {
    const buf = await readAt(dev, primary.offset, sector);
    const alt = buf ? decode(HEADER, buf).alternateLba : 0;
    if (alt > 1 && alt <= lastLba) candidates.add(alt);
  }
  for (const lba of candidates) {
    if (lba < 2) continue;
    const r = await parseAt(dev, lba, sector);
    if ('entries' in r) return { scheme: 'gpt', sectorSize: sector, partitions: r.entries, warnings: [] };
  }
  return null;
}
