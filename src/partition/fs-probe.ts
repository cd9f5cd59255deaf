/**
 * What file system starts at a byte offset of a disk, from its first 8 KiB
 * (and, for VMFS, the LVM header at 1 MiB and the FS descriptor behind it):
 * name, size where the file system records it, label where it is cheap.
 * The checks are strict enough that random bytes do not pass them (a scan
 * probes thousands of places): every numeric field is range-checked, not only
 * the magic.
 */
import type { BlockDevice } from '../device/block-device.js';
import { decode } from './binary-struct.js';

export const HEAD_BYTES = 8192;

export interface FsFound {
  /** "NTFS", "FAT32", "ext4", "XFS", "LVM2 PV", "swap", "BitLocker", "LUKS2", "VMFS-5.81", "VMFS-L 6.82" ... */
  fs: string;
  /** Bytes the file system says it covers (with NTFS's backup boot sector), when it says. */
  size?: number;
  label?: string;
  /** Volume id / serial / UUID, as the file system's own tools print it. */
  id?: string;
  /** ext: the block group this superblock copy belongs to (0 = primary); FAT32: 6 for the backup boot sector. */
  copyOf?: number;
  /** XFS: bytes per allocation group (every AG starts with a copy of the superblock that looks like the primary). */
  groupBytes?: number;
}

const pow2 = (n: number, lo: number, hi: number) => n >= lo && n <= hi && (n & (n - 1)) === 0;
const text = (b: Buffer, at: number, n: number) => b.subarray(at, at + n).toString('latin1');
const clean = (s: string) => s.replace(/\0.*$/s, '').trim() || undefined;
const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');

/** NTFS boot sector at `at` (also the backup copy in a partition's last sector). */
export function ntfsBoot(b: Buffer, at = 0): FsFound | null {
  if (b.length < at + 512 || text(b, at + 3, 8) !== 'NTFS    ' || b.readUInt16LE(at + 510) !== 0xaa55) return null;
  const bps = b.readUInt16LE(at + 11);
  const spc = b[at + 13]!;
  const total = b.readUInt32LE(at + 0x2c) * 0x100000000 + b.readUInt32LE(at + 0x28);
  if (!pow2(bps, 256, 4096) || spc === 0 || total === 0 || !Number.isSafeInteger((total + 1) * bps)) return null;
  const serial = b.readUInt32LE(at + 0x48);
  return { fs: 'NTFS', size: (total + 1) * bps, id: `${hex(serial >>> 16, 4)}-${hex(serial & 0xffff, 4)}` };
}

/** FAT12/16/32 boot sector (BPB) at `at`; the FAT32 backup at sector 6 has the same layout. */
export function fatBoot(b: Buffer, at = 0): FsFound | null {
  if (b.length < at + 512 || b.readUInt16LE(at + 510) !== 0xaa55 || (b[at] !== 0xeb && b[at] !== 0xe9)) return null;
  const bps = b.readUInt16LE(at + 11);
  const spc = b[at + 13]!;
  const reserved = b.readUInt16LE(at + 14);
  const fats = b[at + 16]!;
  const rootEntries = b.readUInt16LE(at + 17);
  const total = b.readUInt16LE(at + 19) || b.readUInt32LE(at + 32);
  const media = b[at + 21]!;
  const fat16 = b.readUInt16LE(at + 22);
  if (!pow2(bps, 512, 4096) || !pow2(spc, 1, 128) || reserved === 0 || fats < 1 || fats > 2 || total === 0 || (media < 0xf0 && media !== 0)) return null;
  const fatSize = fat16 || b.readUInt32LE(at + 36);
  const rootSectors = Math.ceil((rootEntries * 32) / bps);
  const dataSectors = total - reserved - fats * fatSize - rootSectors;
  if (fatSize === 0 || dataSectors <= 0) return null;
  const clusters = Math.floor(dataSectors / spc);
  const fs = fat16 === 0 ? 'FAT32' : clusters < 4085 ? 'FAT12' : 'FAT16';
  if (fs === 'FAT32' && (rootEntries !== 0 || text(b, at + 82, 5) !== 'FAT32')) return null;
  const base = fs === 'FAT32' ? 71 : 43;
  const idAt = base - 4;
  const found: FsFound = { fs, size: total * bps };
  if (b[at + base - 5] === 0x29) {
    const id = b.readUInt32LE(at + idAt);
    found.id = `${hex(id >>> 16, 4)}-${hex(id & 0xffff, 4)}`;
    const label = clean(text(b, at + base, 11));
    if (label && label !== 'NO NAME') found.label = label;
  }
  return found;
}

/** exFAT boot sector. */
function exfatBoot(b: Buffer): FsFound | null {
  if (text(b, 3, 8) !== 'EXFAT   ' || b.readUInt16LE(510) !== 0xaa55) return null;
  const shift = b[108]!;
  const sectors = b.readUInt32LE(76) * 0x100000000 + b.readUInt32LE(72);
  if (shift < 9 || shift > 12 || sectors === 0) return null;
  const serial = b.readUInt32LE(100);
  return { fs: 'exFAT', size: sectors * 2 ** shift, id: `${hex(serial >>> 16, 4)}-${hex(serial & 0xffff, 4)}` };
}

/** ext2/3/4 superblock fields the probe and the repaired view use (offsets from the superblock start). */
export const EXT_SB = {
  inodesCount: [0x00, 'u32'],
  blocksLo: [0x04, 'u32'],
  firstDataBlock: [0x14, 'u32'],
  logBlockSize: [0x18, 'u32'],
  blocksPerGroup: [0x20, 'u32'],
  inodesPerGroup: [0x28, 'u32'],
  magic: [0x38, 'u16'],
  state: [0x3a, 'u16'],
  revLevel: [0x4c, 'u32'],
  blockGroupNr: [0x5a, 'u16'],
  compat: [0x5c, 'u32'],
  incompat: [0x60, 'u32'],
  roCompat: [0x64, 'u32'],
  uuid: [0x68, 'bytes:16'],
  label: [0x78, 'cstr:16'],
  blocksHi: [0x150, 'u32'],
  checksum: [0x3fc, 'u32'],
} as const;
export const EXT_MAGIC = 0xef53;
export const EXT_SB_BYTES = 1024;
/** Feature bits (e2fsprogs lib/ext2fs/ext2_fs.h). */
const COMPAT_HAS_JOURNAL = 0x4;
const INCOMPAT_EXTENTS = 0x40;
const INCOMPAT_64BIT = 0x80;
const INCOMPAT_FLEX_BG = 0x200;
export const RO_COMPAT_METADATA_CSUM = 0x400;
const RO_COMPAT_EXT4 = 0x8 | 0x10 | 0x20 | 0x40 | RO_COMPAT_METADATA_CSUM;

/** An ext2/3/4 superblock (primary at 1024, or a backup copy at the start of a group's first block). */
export function extSuper(b: Buffer, at: number): (FsFound & { blockSize: number; blocksPerGroup: number; firstDataBlock: number }) | null {
  if (b.length < at + EXT_SB_BYTES) return null;
  const s = decode(EXT_SB, b, at);
  if (s.magic !== EXT_MAGIC || s.logBlockSize > 6 || s.revLevel > 1 || s.inodesCount === 0 || s.inodesPerGroup === 0) return null;
  const bs = 1024 << s.logBlockSize;
  if (s.blocksPerGroup === 0 || s.blocksPerGroup > 8 * bs || s.blocksPerGroup % 8 !== 0 || s.firstDataBlock !== (bs === 1024 ? 1 : 0)) return null;
  const blocks = s.blocksLo + (s.incompat & INCOMPAT_64BIT ? s.blocksHi * 0x100000000 : 0);
  if (blocks === 0 || s.blockGroupNr * s.blocksPerGroup >= blocks) return null;
  const ext4 = (s.incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG)) !== 0 || (s.roCompat & RO_COMPAT_EXT4) !== 0;
  const fs = ext4 ? 'ext4' : s.compat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2';
  const u = s.uuid.toString('hex');
  const found = { fs, size: blocks * bs, id: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`, copyOf: s.blockGroupNr, blockSize: bs, blocksPerGroup: s.blocksPerGroup, firstDataBlock: s.firstDataBlock };
  const label = clean(s.label);
  return label ? { ...found, label } : found;
}

function xfsSuper(b: Buffer): FsFound | null {
  if (text(b, 0, 4) !== 'XFSB') return null;
  const bs = b.readUInt32BE(4);
  const blocks = b.readUInt32BE(8) * 0x100000000 + b.readUInt32BE(12);
  const agBlocks = b.readUInt32BE(84);
  const agCount = b.readUInt32BE(88);
  if (!pow2(bs, 512, 65536) || blocks === 0 || agBlocks === 0 || agCount === 0 || agBlocks * agCount < blocks) return null;
  const u = b.subarray(32, 48).toString('hex');
  const found: FsFound = { fs: 'XFS', size: blocks * bs, groupBytes: agBlocks * bs, id: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}` };
  const label = clean(text(b, 108, 12));
  return label ? { ...found, label } : found;
}

/** LVM2 physical volume: "LABELONE" in one of the first four sectors, "LVM2 001" type. */
function lvm2Label(b: Buffer): FsFound | null {
  for (let s = 0; s < 4; s++) {
    const at = s * 512;
    if (text(b, at, 8) !== 'LABELONE' || text(b, at + 24, 8) !== 'LVM2 001') continue;
    const pvAt = at + b.readUInt32LE(at + 20);
    if (pvAt + 40 > b.length) return { fs: 'LVM2 PV' };
    const size = b.readUInt32LE(pvAt + 36) * 0x100000000 + b.readUInt32LE(pvAt + 32);
    const id = text(b, pvAt, 32);
    return { fs: 'LVM2 PV', ...(size > 0 ? { size } : {}), id: /^[A-Za-z0-9!#]{32}$/.test(id) ? id.replace(/^(.{6})(.{4})(.{4})(.{4})(.{4})(.{4})(.{6})$/, '$1-$2-$3-$4-$5-$6-$7') : undefined };
  }
  return null;
}

/** Linux swap with 4 KiB pages: signature in the last 10 bytes of the first page. */
function swapSpace(b: Buffer): FsFound | null {
  const sig = text(b, 4086, 10);
  if (sig !== 'SWAPSPACE2' && sig !== 'SWAP-SPACE') return null;
  const last = b.readUInt32LE(1024 + 4);
  const found: FsFound = { fs: 'swap', ...(sig === 'SWAPSPACE2' && last > 0 ? { size: (last + 1) * 4096 } : {}) };
  const label = clean(text(b, 1024 + 28, 16));
  return label ? { ...found, label } : found;
}

function luks(b: Buffer): FsFound | null {
  if (!b.subarray(0, 6).equals(Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]))) return null;
  const v = b.readUInt16BE(6);
  if (v !== 1 && v !== 2) return null;
  const found: FsFound = { fs: `LUKS${v} (encrypted)` };
  const label = v === 2 ? clean(text(b, 24, 48)) : undefined;
  return label ? { ...found, label } : found;
}

function bitlocker(b: Buffer): FsFound | null {
  return text(b, 3, 8) === '-FVE-FS-' && b.readUInt16LE(510) === 0xaa55 ? { fs: 'BitLocker (encrypted)' } : null;
}

/** The file system whose first 8 KiB are `head`, or null. */
export function identifyHead(head: Buffer): FsFound | null {
  if (head.length < 4096) return null;
  return ntfsBoot(head) ?? bitlocker(head) ?? exfatBoot(head) ?? fatBoot(head) ?? extSuper(head, 1024) ?? xfsSuper(head) ?? lvm2Label(head) ?? luks(head) ?? swapSpace(head);
}

// ---- VMFS (vmfs-format.md §2.1, §4) --------------------------------------------------------

const LVM_MAGIC = 0xc001d00d;
const FS_MAGIC = 0x2fabf15e;
const FS_MAGIC_L = 0x2fabf15f;
const MiB = 1 << 20;
/** LVM header +0x7A: where extent data starts (0x1100000 on every real image). */
const LVM_DATA_OFFSET_FIELD = 0x7a;
/** Only what naming a volume needs; the VMFS reader validates the rest. */
const FS_NAME = { magic: [0x00, 'u32'], major: [0x04, 'u32'], minor: [0x08, 'u8'], uuid: [0x09, 'uuid16'], label: [0x1d, 'cstr:128'] } as const;

async function bytesAt(dev: BlockDevice, offset: number, n: number): Promise<Buffer | null> {
  if (offset < 0 || offset + n > dev.size) return null;
  const b = Buffer.alloc(n);
  await dev.read(b, offset);
  return b;
}

/** "VMFS-6.82", "VMFS-L 6.82": the family from the FS major (§0), VMFS-L from the 0x2FABF15F magic. */
export function vmfsVersionName(magic: number, major: number, minor: number): string {
  const family = major <= 4 ? 3 : major < 24 ? 5 : 6;
  return magic === FS_MAGIC_L ? `VMFS-L ${family}.${minor}` : `VMFS-${family}.${minor}`;
}

/**
 * A VMFS (or VMFS-L) volume at `start`: through the LVM header at 1 MiB (the
 * descriptor 2 MiB into the extent data, §4), or a bare volume (descriptor at
 * 2 MiB). Named from the FS descriptor alone, so a version this reader cannot
 * open (VMFS-6, VMFS-L) is still named in a listing.
 */
export async function probeVmfs(dev: BlockDevice, start: number): Promise<FsFound | null> {
  const lvm = await bytesAt(dev, start + MiB, 512);
  let descAt = start + 2 * MiB;
  let lvmVersion = '';
  if (lvm && lvm.readUInt32LE(0) === LVM_MAGIC) {
    const data = lvm.readUInt32LE(LVM_DATA_OFFSET_FIELD + 4) * 0x100000000 + lvm.readUInt32LE(LVM_DATA_OFFSET_FIELD);
    lvmVersion = `LVM ${lvm.readUInt32LE(4)}.${lvm.readUInt32LE(8)}`;
    descAt = start + data + 2 * MiB;
    if (!Number.isSafeInteger(descAt)) return { fs: 'VMFS (LVM device; data offset out of range)' };
  }
  const d = await bytesAt(dev, descAt, 512);
  const desc = d ? decode(FS_NAME, d) : null;
  if (!desc || (desc.magic !== FS_MAGIC && desc.magic !== FS_MAGIC_L)) return lvmVersion ? { fs: `VMFS LVM device (${lvmVersion}), no FS descriptor at byte ${descAt}` } : null;
  const found: FsFound = { fs: vmfsVersionName(desc.magic, desc.major, desc.minor), id: desc.uuid };
  const label = clean(desc.label);
  return label ? { ...found, label } : found;
}

/** What starts at `start`: VMFS first (its first MiB is empty), then the head signatures. */
export async function probeAt(dev: BlockDevice, start: number): Promise<FsFound | null> {
  const vmfs = await probeVmfs(dev, start);
  if (vmfs) return vmfs;
  const head = await bytesAt(dev, start, Math.min(HEAD_BYTES, dev.size - start));
  return head ? identifyHead(head) : null;
}
