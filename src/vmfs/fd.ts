/** File descriptors (inodes) of VMFS-3/5: 2048 bytes in `.fdc.sf` (vmfs-format.md §8). */
import type { Struct } from '../partition/binary-struct.js';

export const FD_SIZE = 2048;
const META = 512;
/** Resident data and the 256-entry address array share bytes 1024–2047 (§8.1). */
export const FD_DATA = 1024;
export const FD_ARRAY_ENTRIES = 256;
export const RESIDENT_MAX = 1024;

/** FD metadata, at FD byte 512 (§8.2). */
const FD_META = {
  address: [0x00, 'u32'],
  generation: [0x04, 'u32'],
  links: [0x08, 'u32'],
  type: [0x0c, 'u32'],
  flags: [0x10, 'u32'],
  length: [0x14, 'u64'],
  blockSize: [0x1c, 'u64'],
  blockCount: [0x24, 'u64'],
  mtime: [0x2c, 'u32'],
  ctime: [0x30, 'u32'],
  atime: [0x34, 'u32'],
  uid: [0x38, 'u32'],
  gid: [0x3c, 'u32'],
  mode: [0x40, 'u32'],
  zla: [0x44, 'u32'],
  tbzLow: [0x48, 'u32'],
  cowLow: [0x4c, 'u32'],
  tbzHigh: [0x54, 'u32'],
  cowHigh: [0x58, 'u32'],
  pointerBlocks: [0x5c, 'u32'],
  blockShift: [0x89, 'u8'],
} as const;

/** Lock block magic of a file descriptor (§8.1), for `stat` only: dissect does not check it either. */
const FD_LOCK_MAGIC = 0x10c00001;

export const FD_TYPE = { VOLUME: 1, DIR: 2, FILE: 3, SYMLINK: 4, SYSTEM: 5, RDM: 6 } as const;

/** ZLA values (§9.1). */
export const ZLA = { FB: 1, SB: 2, PB: 3, PB2: 5, DOUBLE: 0x10d0, RESIDENT: 0x10d1 } as const;
export const ZLA_NAMES: Record<number, string> = {
  1: 'direct file blocks',
  2: 'direct sub-blocks',
  3: 'single indirect (pointer blocks)',
  5: 'single indirect (.pb2.sf pointer blocks)',
  0x10d0: 'double indirect',
  0x10d1: 'resident',
};

export type FdMeta = Struct<typeof FD_META>;

export interface Fd extends FdMeta {
  /** Volume offset of the 2048-byte FD. */
  volumeOffset: number;
  lockMagicOk: boolean;
  /** Bytes 1024–2047: resident data or the address array. */
  data: Buffer;
  tbz: number;
  cow: number;
}

/**
 * Decode the FD at byte `base` of `buf`. `copy` false leaves `data` a view of
 * `buf` (for an FD that is used at once and dropped, as in a listing); a kept
 * FD copies it, so that it does not keep a whole 1 MiB .fdc.sf window alive.
 * `base` spares a listing one Buffer view per entry (~2 us each, cold).
 */
export function parseFd(buf: Buffer, volumeOffset: number, copy = true, base = 0): Fd {
  // The FD_META fields read one by one (the table gives the offsets): a listing decodes one FD per entry.
  const meta = base + META;
  const u32 = (f: keyof typeof FD_META) => buf.readUInt32LE(meta + FD_META[f][0]);
  const u64 = (f: keyof typeof FD_META) => buf.readUInt32LE(meta + FD_META[f][0] + 4) * 0x100000000 + buf.readUInt32LE(meta + FD_META[f][0]);
  const tbzLow = u32('tbzLow');
  const cowLow = u32('cowLow');
  const tbzHigh = u32('tbzHigh');
  const cowHigh = u32('cowHigh');
  let data = buf.subarray(base + FD_DATA, base + FD_SIZE);
  if (copy) data = Buffer.from(data);
  return {
    address: u32('address'),
    generation: u32('generation'),
    links: u32('links'),
    type: u32('type'),
    flags: u32('flags'),
    length: u64('length'),
    blockSize: u64('blockSize'),
    blockCount: u64('blockCount'),
    mtime: u32('mtime'),
    ctime: u32('ctime'),
    atime: u32('atime'),
    uid: u32('uid'),
    gid: u32('gid'),
    mode: u32('mode'),
    zla: u32('zla'),
    tbzLow,
    cowLow,
    tbzHigh,
    cowHigh,
    pointerBlocks: u32('pointerBlocks'),
    blockShift: buf.readUInt8(meta + FD_META.blockShift[0]),
    volumeOffset,
    lockMagicOk: buf.readUInt32LE(base) === FD_LOCK_MAGIC,
    data,
    tbz: tbzHigh * 2 ** 32 + tbzLow,
    cow: cowHigh * 2 ** 32 + cowLow,
  };
}

export function arrayEntry(fd: Fd, i: number): number {
  return fd.data.readUInt32LE(i * 4);
}
