/**
 * GUID partition table: both headers checked, backup used when the primary is
 * damaged, the sector size (512 or 4096, vmfs-format.md §1 "4Kn LUNs") found
 * from where a valid header sits.
 */
import { crc32 } from './crc32.js';
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { decode, layoutSize, type Struct } from './binary-struct.js';
import { gptTypeName } from './type-names.js';
import { SECTOR_SIZES, type PartitionEntry, type PartitionTable, type SectorSize } from './types.js';

export const VMFS_GPT_TYPE = 'AA31E02A-400F-11DB-9590-000C2911D1B8';

/** GPT header (UEFI spec 5.3.2), at LBA 1 (primary) or the last LBA (backup). */
export const HEADER = {
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
type Header = Struct<typeof HEADER>;

/** GPT partition entry (UEFI spec 5.3.3). */
export const ENTRY = {
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
const NO_SIGNATURE = 'no "EFI PART" signature';
const BEYOND = 'header lies beyond the end of the disk';

async function readAt(dev: BlockDevice, offset: number, length: number): Promise<Buffer | null> {
  if (offset < 0 || offset + length > dev.size) return null;
  const buf = Buffer.alloc(length);
  await dev.read(buf, offset);
  return buf;
}

type Parsed = { header: Header; entries: PartitionEntry[]; offset: number } | { problem: string; offset: number };

/** Parse and verify one header and its entry array; a problem string when it is not usable. */
async function parseAt(dev: BlockDevice, lba: number, sector: number): Promise<Parsed> {
  const offset = lba * sector;
  const buf = await readAt(dev, offset, sector);
  if (!buf) return { problem: BEYOND, offset };
  const h = decode(HEADER, buf);
  if (h.signature !== 'EFI PART') return { problem: NO_SIGNATURE, offset };
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
  if (!arr) return { problem: `entry array at LBA ${h.entriesLba} lies beyond the end of the disk`, offset };
  if (crc32(arr) !== h.entriesCrc) return { problem: 'entry array CRC32 does not match', offset };
  const entries: PartitionEntry[] = [];
  for (let i = 0; i < h.entryCount; i++) {
    const e = decode(ENTRY, arr, i * h.entrySize);
    if (e.typeGuid === UNUSED) continue;
    const start = e.firstLba * sector;
    const end = (e.lastLba + 1) * sector;
    const entry: PartitionEntry = { index: i + 1, start, size: end - start, type: e.typeGuid, typeName: gptTypeName(e.typeGuid), name: e.name, isVmfs: e.typeGuid === VMFS_GPT_TYPE };
    if (!entry.typeName) delete entry.typeName;
    if (!Number.isSafeInteger(end) || e.lastLba < e.firstLba) {
      entry.size = 0;
      entry.problems = [`spans LBA ${e.firstLba}–${e.lastLba}, which is not a range`];
    } else if (end > dev.size) {
      entry.problems = [`spans LBA ${e.firstLba}–${e.lastLba}, past the end of the disk (${dev.size} bytes)`];
    }
    entries.push(entry);
  }
  return { header: h, entries, offset };
}

interface Found {
  table: PartitionTable;
  header: Header;
  /** The header used was the backup one. */
  backup: boolean;
}

/**
 * The GPT of `dev` for one sector size, or null when there is none. The
 * backup header (at the primary's alternate LBA, else the last sector) is
 * used when the primary one fails its checks; both failing is an error.
 */
export async function readGpt(dev: BlockDevice, sector: number): Promise<PartitionTable | null> {
  return (await findGpt(dev, sector))?.table ?? null;
}

async function findGpt(dev: BlockDevice, sector: number): Promise<Found | null> {
  const primary = await parseAt(dev, 1, sector);
  const table = (p: { entries: PartitionEntry[] }, warnings: string[] = []): PartitionTable => ({ scheme: 'gpt', sectorSize: sector, partitions: p.entries, warnings });
  if ('entries' in primary) return { table: table(primary), header: primary.header, backup: false };
  const usingBackup = `primary GPT header at LBA 1: ${primary.problem}; using the backup header`;
  if (primary.problem === NO_SIGNATURE || primary.problem === BEYOND) {
    // Only a protective MBR tells us a GPT was here at all; the caller decides.
    const backup = await tryBackup(dev, sector, null);
    return backup ? { table: table(backup, [usingBackup]), header: backup.header, backup: true } : null;
  }
  const backup = await tryBackup(dev, sector, primary);
  if (!backup) {
    throw new VmfskitError('CORRUPT', `${primary.problem}, and no valid backup header was found`, {
      file: dev.name,
      structure: 'primary GPT header',
      offset: primary.offset,
    });
  }
  return { table: table(backup, [usingBackup]), header: backup.header, backup: true };
}

async function tryBackup(dev: BlockDevice, sector: number, primary: { offset: number } | null): Promise<{ header: Header; entries: PartitionEntry[]; lba: number } | null> {
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
    if ('entries' in r) return { ...r, lba };
  }
  return null;
}

/** Only the backup GPT at the last LBA (for `partitions --scan`, whatever the primary holds). */
export async function readBackupGpt(dev: BlockDevice, sector: number): Promise<{ table: PartitionTable; lba: number } | null> {
  const b = await tryBackup(dev, sector, null);
  return b ? { table: { scheme: 'gpt', sectorSize: sector, partitions: b.entries, warnings: [] }, lba: b.lba } : null;
}

/** What is not sane about a GPT found at one sector size (empty: nothing). */
async function insanity(dev: BlockDevice, f: Found): Promise<string[]> {
  const s = f.table.sectorSize;
  const last = Math.floor(dev.size / s) - 1;
  const h = f.header;
  const out: string[] = [];
  const alt = f.backup ? 1 : h.alternateLba;
  if (f.backup) out.push('primary header damaged');
  else if (alt !== last) out.push(`its backup header LBA ${alt} is not the last LBA ${last}`);
  else if (!('entries' in (await parseAt(dev, alt, s)))) out.push(`no valid backup header at LBA ${alt}`);
  if (h.firstUsableLba > h.lastUsableLba || h.lastUsableLba > last) out.push(`usable LBAs ${h.firstUsableLba}–${h.lastUsableLba} do not fit the disk (last LBA ${last})`);
  for (const p of f.table.partitions) {
    if (p.problems?.length) out.push(`partition ${p.index} ${p.problems[0]}`);
    else if (p.start / s < h.firstUsableLba || (p.start + p.size) / s - 1 > h.lastUsableLba) out.push(`partition ${p.index} lies outside the usable LBAs`);
  }
  return out;
}

/**
 * The GPT of `dev`: at the sector size given (`--sector-size`), or the one
 * where a valid header is found (byte 512 for 512-byte sectors, byte 4096 for
 * 4Kn). When both sizes give a valid header (a LUN reformatted with another
 * sector size keeps the old one), the one whose backup header and LBAs fit
 * the disk wins, and the table says so; a tie is the examiner's choice.
 */
export async function detectGpt(dev: BlockDevice, sectorSize?: SectorSize): Promise<PartitionTable | null> {
  if (sectorSize) {
    const f = await findGpt(dev, sectorSize);
    return f ? { ...f.table, sectorSizeHow: `--sector-size ${sectorSize}` } : null;
  }
  const found: Found[] = [];
  let firstError: unknown;
  for (const s of SECTOR_SIZES) {
    try {
      const f = await findGpt(dev, s);
      if (f) found.push(f);
    } catch (e) {
      firstError ??= e;
    }
  }
  const where = (f: Found) => (f.backup ? `backup GPT header (${f.table.sectorSize}-byte sectors)` : `GPT header at byte ${f.table.sectorSize}`);
  if (found.length === 0) {
    if (firstError) throw firstError;
    return null;
  }
  if (found.length === 1) return { ...found[0]!.table, sectorSizeHow: where(found[0]!) };
  const [a, b] = [{ f: found[0]!, bad: await insanity(dev, found[0]!) }, { f: found[1]!, bad: await insanity(dev, found[1]!) }];
  const say = (x: typeof a) => `${x.f.table.sectorSize}: ${x.bad.length ? x.bad.join('; ') : 'CRCs match, backup header and LBAs fit the disk'}`;
  if (a.bad.length === b.bad.length) {
    throw new VmfskitError('USAGE', `valid GPT headers for both 512- and 4096-byte sectors (${say(a)} | ${say(b)}): choose one with --sector-size 512|4096`, { file: dev.name, structure: 'GPT header' });
  }
  const [win, lose] = a.bad.length < b.bad.length ? [a, b] : [b, a];
  const note = `GPT headers valid for both 512- and 4096-byte sectors; using ${win.f.table.sectorSize} (${say(win)}) over ${say(lose)}; --sector-size overrides`;
  return { ...win.f.table, sectorSizeHow: `${where(win.f)}, decided by CRC and LBA checks`, warnings: [...win.f.table.warnings, note] };
}
