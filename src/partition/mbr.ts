/**
 * Master boot record: the four primary entries, and the logical partitions of
 * an extended partition (a chain of EBRs; ESX never put VMFS there, guests do).
 */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { decode } from './binary-struct.js';
import { MBR_EXTENDED_TYPES, mbrTypeName } from './type-names.js';
import type { PartitionEntry } from './types.js';

export const VMFS_MBR_TYPE = 0xfb;
export const GPT_PROTECTIVE_TYPE = 0xee;

/** MBR partition entry, 16 bytes, four of them from byte 446. */
export const ENTRY = {
  status: [0x00, 'u8'],
  type: [0x04, 'u8'],
  startLba: [0x08, 'u32'],
  sectors: [0x0c, 'u32'],
} as const;
const TABLE_OFFSET = 446;
const MBR_BYTES = 512;
/** A chain longer than this is a loop the LBA check did not catch, or a hostile image (Linux stops far earlier). */
const MAX_LOGICAL = 128;

export interface Mbr {
  entries: PartitionEntry[];
  /** An 0xEE entry: the disk carries a GPT. */
  protective: boolean;
  /** Problems met following the extended chain (loops, EBRs outside the container). */
  warnings: string[];
}

/**
 * A boot sector of a file system (a partition opened on its own) also ends in
 * 0x55AA: like Linux's msdos parser, take sector 0 as an MBR only when every
 * entry's status byte is 0x00 or 0x80 and it is not an NTFS/exFAT/FAT boot
 * sector by its OEM name or FAT32 type string.
 */
function looksLikeMbr(b: Buffer): boolean {
  for (let i = 0; i < 4; i++) if ((b[TABLE_OFFSET + i * 16]! & 0x7f) !== 0) return false;
  const oem = b.subarray(3, 11).toString('latin1');
  return oem !== 'NTFS    ' && oem !== 'EXFAT   ' && oem !== '-FVE-FS-' && b.subarray(82, 87).toString('latin1') !== 'FAT32';
}

const typeText = (t: number) => `0x${t.toString(16).toUpperCase().padStart(2, '0')}`;

async function sectorAt(dev: BlockDevice, offset: number): Promise<Buffer | null> {
  if (offset < 0 || offset + MBR_BYTES > dev.size) return null;
  const buf = Buffer.alloc(MBR_BYTES);
  await dev.read(buf, offset);
  return buf.readUInt16LE(510) === 0xaa55 ? buf : null;
}

function entryOf(dev: BlockDevice, index: number, type: number, startLba: number, sectors: number, sector: number): PartitionEntry {
  const start = startLba * sector;
  const size = sectors * sector;
  const e: PartitionEntry = { index, start, size, type: typeText(type), isVmfs: type === VMFS_MBR_TYPE };
  const name = mbrTypeName(type);
  if (name) e.typeName = name;
  if (MBR_EXTENDED_TYPES.has(type)) e.container = true;
  if (start + size > dev.size) e.problems = [`spans sectors ${startLba}+${sectors}, past the end of the disk (${dev.size} bytes)`];
  return e;
}

/**
 * The MBR of `dev`, or null when sector 0 has no 0x55AA signature. LBAs count
 * `sector`-byte sectors (512 unless the disk is known to be 4Kn).
 */
export async function readMbr(dev: BlockDevice, sector = 512): Promise<Mbr | null> {
  const buf = await sectorAt(dev, 0);
  if (!buf || !looksLikeMbr(buf)) return null;
  const entries: PartitionEntry[] = [];
  const warnings: string[] = [];
  let protective = false;
  let extended: PartitionEntry | null = null;
  for (let i = 0; i < 4; i++) {
    const at = TABLE_OFFSET + i * 16;
    const e = decode(ENTRY, buf, at);
    if (e.type === 0 || e.sectors === 0) continue;
    if (e.type === GPT_PROTECTIVE_TYPE) protective = true;
    const entry = entryOf(dev, i + 1, e.type, e.startLba, e.sectors, sector);
    if (entry.isVmfs && (e.startLba === 0 || entry.problems)) {
      throw new VmfskitError('CORRUPT', `VMFS partition spans sectors ${e.startLba}+${e.sectors}, outside the LUN (${dev.size} bytes)`, {
        file: dev.name,
        structure: `MBR entry ${i + 1}`,
        offset: at,
      });
    }
    // Keep the written size (the listing shows it); a problem marks what lies past the end.
    entries.push(entry);
    if (entry.container && !extended) extended = entry;
  }
  if (extended && !protective) entries.push(...(await logicalChain(dev, extended, sector, warnings)));
  return { entries, protective, warnings };
}

/**
 * Logical partitions 5, 6 … : each EBR's first entry is a partition relative
 * to that EBR, its second the next EBR relative to the extended partition's
 * start. Loops (an EBR seen twice), EBRs outside the container and chains
 * longer than MAX_LOGICAL end the walk with a warning.
 */
async function logicalChain(dev: BlockDevice, ext: PartitionEntry, sector: number, warnings: string[]): Promise<PartitionEntry[]> {
  const out: PartitionEntry[] = [];
  const base = ext.start / sector;
  const end = (ext.start + ext.size) / sector;
  const seen = new Set<number>();
  let ebr = base;
  for (let n = 0; ; n++) {
    if (n >= MAX_LOGICAL) {
      warnings.push(`extended partition ${ext.index}: more than ${MAX_LOGICAL} logical partitions; stopped there`);
      break;
    }
    if (seen.has(ebr)) {
      warnings.push(`extended partition ${ext.index}: the EBR chain loops back to sector ${ebr}; stopped there`);
      break;
    }
    seen.add(ebr);
    if (ebr < base || ebr >= end) {
      warnings.push(`extended partition ${ext.index}: EBR at sector ${ebr} lies outside it; stopped there`);
      break;
    }
    const buf = await sectorAt(dev, ebr * sector);
    if (!buf) {
      if (n > 0 || ebr * sector + MBR_BYTES > dev.size) warnings.push(`extended partition ${ext.index}: no EBR signature at sector ${ebr}; chain ends there`);
      break;
    }
    const first = decode(ENTRY, buf, TABLE_OFFSET);
    const next = decode(ENTRY, buf, TABLE_OFFSET + 16);
    if (first.type !== 0 && first.sectors !== 0) {
      const p = entryOf(dev, 5 + out.length, first.type, ebr + first.startLba, first.sectors, sector);
      if ((p.start + p.size) / sector > end && !p.problems) p.problems = [`runs past the end of extended partition ${ext.index}`];
      out.push(p);
    }
    if (next.type === 0 || next.sectors === 0) break;
    ebr = base + next.startLba;
  }
  return out;
}
