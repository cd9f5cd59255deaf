/**
 * Wrap a bare VMFS partition image into a whole-LUN image with a GPT
 * (VMware VMFS type, first LBA 2048) or an MBR (type 0xFB at LBA 2048).
 * The output is sparse: only non-zero MiB of the partition are written.
 */
import { closeSync, openSync, readSync, statSync, writeSync, ftruncateSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const SECTOR = 512;
const START_LBA = 2048;
const VMFS_GPT_TYPE = 'AA31E02A-400F-11DB-9590-000C2911D1B8';

export interface WrapOptions {
  scheme: 'gpt' | 'mbr';
  /** Partition type to write instead of VMFS (to build "no VMFS partition" LUNs). */
  type?: string | number;
  /** Damage the primary GPT header's CRC (the backup must be used). */
  breakPrimaryGpt?: boolean;
  /** GPT sector size: 4096 writes a 4Kn LUN (header at byte 4096, LBAs of 4 KiB). The partition still starts at byte 1 MiB. */
  sectorSize?: 512 | 4096;
}

export function guidBytes(g: string): Buffer {
  const b = Buffer.from(g.replace(/-/g, ''), 'hex');
  // First three fields are little-endian on disk.
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export interface GptOptions {
  /** Damage the primary / backup header's CRC. */
  breakPrimary?: boolean;
  breakBackup?: boolean;
  /** Entries in the array (128 by default; fewer make a table that fits in one 512-byte sector). */
  entries?: number;
  /** Write the alternate-LBA field as this instead of the last LBA (a stale header of a disk that was bigger). */
  alternateLba?: number;
  /** Leave the backup header and array out. */
  noBackup?: boolean;
}

/**
 * The sectors of a GPT disk of `size` bytes (protective MBR, both headers,
 * both entry arrays) holding `parts` = [first LBA, sector count, type GUID],
 * as [byte offset, bytes] pairs to write.
 */
export function gptSectors(size: number, sector: number, parts: Array<[first: number, count: number, type: string]>, o: GptOptions = {}): Array<[number, Buffer]> {
  const last = size / sector - 1;
  const count = o.entries ?? 128;
  const entries = Buffer.alloc(count * 128);
  parts.forEach(([first, count, type], i) => {
    guidBytes(type).copy(entries, i * 128);
    guidBytes(`6B8C1E5A-0000-4000-8000-${String(i).padStart(12, '0')}`).copy(entries, i * 128 + 16);
    entries.writeBigUInt64LE(BigInt(first), i * 128 + 32);
    entries.writeBigUInt64LE(BigInt(first + count - 1), i * 128 + 40);
    entries.write('vmfs', i * 128 + 56, 'utf16le');
  });
  const backupEntries = last - Math.ceil(entries.length / sector);
  const header = (my: number, alt: number, entriesLba: number, broken: boolean) => {
    const h = Buffer.alloc(sector);
    h.write('EFI PART', 0, 'latin1');
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(my), 24);
    h.writeBigUInt64LE(BigInt(alt), 32);
    h.writeBigUInt64LE(BigInt(2 + Math.ceil(entries.length / sector)), 40);
    h.writeBigUInt64LE(BigInt(backupEntries - 1), 48);
    guidBytes('0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0').copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesLba), 72);
    h.writeUInt32LE(count, 80);
    h.writeUInt32LE(128, 84);
    h.writeUInt32LE(crc32(entries), 88);
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
    if (broken) h[16] ^= 0xff;
    return h;
  };
  const mbr = Buffer.alloc(SECTOR);
  mbr.writeUInt16LE(0xaa55, 510);
  mbrEntry(mbr, 0, 0xee, 1, Math.min(size / SECTOR - 1, 0xffffffff));
  const out: Array<[number, Buffer]> = [
    [0, mbr],
    [sector, header(1, o.alternateLba ?? last, 2, !!o.breakPrimary)],
    [2 * sector, entries],
  ];
  if (!o.noBackup) out.push([backupEntries * sector, entries], [last * sector, header(last, 1, backupEntries, !!o.breakBackup)]);
  return out;
}

export function copySparse(src: string, dst: number, at: number): number {
  const fd = openSync(src, 'r');
  const size = statSync(src).size;
  const buf = Buffer.alloc(1 << 20);
  const zero = Buffer.alloc(1 << 20);
  try {
    for (let pos = 0; pos < size; pos += buf.length) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (buf.compare(zero, 0, n, 0, n) !== 0) writeSync(dst, buf, 0, n, at + pos);
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

function mbrEntry(mbr: Buffer, i: number, type: number, startLba: number, sectors: number): void {
  const at = 446 + i * 16;
  mbr[at + 4] = type;
  mbr.writeUInt32LE(startLba, at + 8);
  mbr.writeUInt32LE(Math.min(sectors, 0xffffffff), at + 12);
}

/** A sparse copy of `src` (for tests that patch an image: evidence itself is never written). */
export function copyImage(src: string, dest: string): void {
  const fd = openSync(dest, 'w');
  try {
    ftruncateSync(fd, statSync(src).size);
    copySparse(src, fd, 0);
  } finally {
    closeSync(fd);
  }
}

/** Write `dest`: a LUN image holding `partition` at byte 1 MiB. */
export function wrapPartition(partition: string, dest: string, o: WrapOptions): void {
  const sector = o.sectorSize ?? SECTOR;
  const startLba = (START_LBA * SECTOR) / sector;
  const partSize = statSync(partition).size;
  const partSectors = Math.ceil(partSize / sector);
  const total = (startLba + partSectors + startLba) * sector;
  const fd = openSync(dest, 'w');
  try {
    ftruncateSync(fd, total);
    copySparse(partition, fd, startLba * sector);
    if (o.scheme === 'mbr') {
      const mbr = Buffer.alloc(SECTOR);
      mbr.writeUInt16LE(0xaa55, 510);
      mbrEntry(mbr, 0, typeof o.type === 'number' ? o.type : 0xfb, START_LBA, partSectors);
      writeSync(fd, mbr, 0, SECTOR, 0);
      return;
    }
    for (const [at, bytes] of gptSectors(total, sector, [[startLba, partSectors, typeof o.type === 'string' ? o.type : VMFS_GPT_TYPE]], { breakPrimary: o.breakPrimaryGpt })) {
      writeSync(fd, bytes, 0, bytes.length, at);
    }
  } finally {
    closeSync(fd);
  }
}
