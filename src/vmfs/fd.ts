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
  // Each FD_META field read at its own site (the table gives the offsets): a listing decodes one
  // FD per entry, and a reader looking fields up by name cost ~5 us per FD before V8 optimised it.
  const m = base + META;
  const tbzLow = buf.readUInt32LE(m + FD_META.tbzLow[0]);
  const cowLow = buf.readUInt32LE(m + FD_META.cowLow[0]);
  const tbzHigh = buf.readUInt32LE(m + FD_META.tbzHigh[0]);
  const cowHigh = buf.readUInt32LE(m + FD_META.cowHigh[0]);
  let data = buf.subarray(base + FD_DATA, base + FD_SIZE);
  if (copy) data = Buffer.from(data);
  return {
    address: buf.readUInt32LE(m + FD_META.address[0]),
    generation: buf.readUInt32LE(m + FD_META.generation[0]),
    links: buf.readUInt32LE(m + FD_META.links[0]),
    type: buf.readUInt32LE(m + FD_META.type[0]),
    flags: buf.readUInt32LE(m + FD_META.flags[0]),
    length: u64(buf, m + FD_META.length[0]),
    blockSize: u64(buf, m + FD_META.blockSize[0]),
    blockCount: u64(buf, m + FD_META.blockCount[0]),
    mtime: buf.readUInt32LE(m + FD_META.mtime[0]),
    ctime: buf.readUInt32LE(m + FD_META.ctime[0]),
    atime: buf.readUInt32LE(m + FD_META.atime[0]),
    uid: buf.readUInt32LE(m + FD_META.uid[0]),
    gid: buf.readUInt32LE(m + FD_META.gid[0]),
    mode: buf.readUInt32LE(m + FD_META.mode[0]),
    zla: buf.readUInt32LE(m + FD_META.zla[0]),
    tbzLow,
    cowLow,
    tbzHigh,
    cowHigh,
    pointerBlocks: buf.readUInt32LE(m + FD_META.pointerBlocks[0]),
    blockShift: buf.readUInt8(m + FD_META.blockShift[0]),
    volumeOffset,
    lockMagicOk: buf.readUInt32LE(base) === FD_LOCK_MAGIC,
    data,
    tbz: tbzHigh * 2 ** 32 + tbzLow,
    cow: cowHigh * 2 ** 32 + cowLow,
  };
}

/** Two u32 reads, no BigInt, as binary-struct's u64. */
function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 4) * 0x100000000 + buf.readUInt32LE(at);
}

export function arrayEntry(fd: Fd, i: number): number {
  return fd.data.readUInt32LE(i * 4);
}
