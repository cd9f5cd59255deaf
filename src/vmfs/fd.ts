/**
 * File descriptors (inodes) in `.fdc.sf` (vmfs-format.md §8): 2048 bytes on
 * VMFS-3/5, two metadata blocks on VMFS-6; where the parts are is the
 * version's FdGeometry (versions/).
 */
import type { Struct } from '../partition/binary-struct.js';
import type { FdGeometry } from './versions/format.js';

/** FD metadata, at the geometry's `meta` byte (§8.2); the same fields on every version. */
export const FD_META = {
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
  /** [6]: FD of the containing directory (0 on [3][5]). */
  parentFd: [0x70, 'u32'],
  /** [6]: number of large file blocks. */
  lfbCount: [0x8c, 'u32'],
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
  /** Volume offset of the FD. */
  volumeOffset: number;
  lockMagicOk: boolean;
  /** From the resident data start to the FD's end: resident data, the address array (at `geometry.array`), an RDM's id. */
  data: Buffer;
  readonly geometry: FdGeometry;
  tbz: number;
  cow: number;
}

/**
 * Decode the FD at byte `base` of `buf`. `copy` false leaves `data` a view of
 * `buf` (for an FD that is used at once and dropped, as in a listing); a kept
 * FD copies it, so that it does not keep a whole 1 MiB .fdc.sf window alive.
 * `base` spares a listing one Buffer view per entry (~2 us each, cold).
 */
export function parseFd(geometry: FdGeometry, buf: Buffer, volumeOffset: number, copy = true, base = 0): Fd {
  return new DecodedFd(geometry, buf, base, volumeOffset, copy);
}

/**
 * An FD's fields, each read at its own site (the table gives the offsets), through a DataView: a
 * listing decodes one FD per entry, and V8 reads a DataView with builtins where Buffer's
 * readUInt32LE is JavaScript, slow until optimised. Without `copy`, `data` is cut from the buffer
 * only when first read: a listing never reads it, and a Buffer view costs ~2 us, cold.
 */
class DecodedFd implements Fd {
  readonly address: number;
  readonly generation: number;
  readonly links: number;
  readonly type: number;
  readonly flags: number;
  readonly length: number;
  readonly blockSize: number;
  readonly blockCount: number;
  readonly mtime: number;
  readonly ctime: number;
  readonly atime: number;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
  readonly zla: number;
  readonly tbzLow: number;
  readonly cowLow: number;
  readonly tbzHigh: number;
  readonly cowHigh: number;
  readonly pointerBlocks: number;
  readonly blockShift: number;
  readonly parentFd: number;
  readonly lfbCount: number;
  readonly volumeOffset: number;
  readonly lockMagicOk: boolean;
  readonly tbz: number;
  readonly cow: number;
  #buf: Buffer | null;
  readonly #base: number;
  #data: Buffer | undefined;

  constructor(
    readonly geometry: FdGeometry,
    buf: Buffer,
    base: number,
    volumeOffset: number,
    copy: boolean,
  ) {
    const v = viewOf(buf);
    const m = base + geometry.meta;
    this.address = v.getUint32(m + FD_META.address[0], true);
    this.generation = v.getUint32(m + FD_META.generation[0], true);
    this.links = v.getUint32(m + FD_META.links[0], true);
    this.type = v.getUint32(m + FD_META.type[0], true);
    this.flags = v.getUint32(m + FD_META.flags[0], true);
    this.length = u64(v, m + FD_META.length[0]);
    this.blockSize = u64(v, m + FD_META.blockSize[0]);
    this.blockCount = u64(v, m + FD_META.blockCount[0]);
    this.mtime = v.getUint32(m + FD_META.mtime[0], true);
    this.ctime = v.getUint32(m + FD_META.ctime[0], true);
    this.atime = v.getUint32(m + FD_META.atime[0], true);
    this.uid = v.getUint32(m + FD_META.uid[0], true);
    this.gid = v.getUint32(m + FD_META.gid[0], true);
    this.mode = v.getUint32(m + FD_META.mode[0], true);
    this.zla = v.getUint32(m + FD_META.zla[0], true);
    this.tbzLow = v.getUint32(m + FD_META.tbzLow[0], true);
    this.cowLow = v.getUint32(m + FD_META.cowLow[0], true);
    this.tbzHigh = v.getUint32(m + FD_META.tbzHigh[0], true);
    this.cowHigh = v.getUint32(m + FD_META.cowHigh[0], true);
    this.pointerBlocks = v.getUint32(m + FD_META.pointerBlocks[0], true);
    this.blockShift = v.getUint8(m + FD_META.blockShift[0]);
    this.parentFd = v.getUint32(m + FD_META.parentFd[0], true);
    this.lfbCount = v.getUint32(m + FD_META.lfbCount[0], true);
    this.volumeOffset = volumeOffset;
    this.lockMagicOk = v.getUint32(base, true) === FD_LOCK_MAGIC;
    this.tbz = this.tbzHigh * 2 ** 32 + this.tbzLow;
    this.cow = this.cowHigh * 2 ** 32 + this.cowLow;
    this.#base = base;
    if (copy) {
      this.#data = Buffer.from(buf.subarray(base + geometry.data, base + geometry.size));
      this.#buf = null;
    } else {
      this.#buf = buf;
    }
  }

  /** From the resident data start to the end: resident data or the address array. */
  get data(): Buffer {
    if (this.#data === undefined) {
      this.#data = this.#buf!.subarray(this.#base + this.geometry.data, this.#base + this.geometry.size);
      this.#buf = null;
    }
    return this.#data;
  }
}

/** Two u32 reads, no BigInt, as binary-struct's u64. */
function u64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

/** One view per buffer FDs are decoded from (a .fdc.sf window holds 512 of them). */
const views = new WeakMap<Buffer, DataView>();

function viewOf(buf: Buffer): DataView {
  let v = views.get(buf);
  if (v === undefined) views.set(buf, (v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)));
  return v;
}

/** Low and high u32 of address-array entry i (`words` 1: 32-bit addresses, hi 0; 2: 64-bit). */
export function arrayEntryLo(fd: Fd, i: number, words: 1 | 2): number {
  return fd.data.readUInt32LE(fd.geometry.array + i * 4 * words);
}
export function arrayEntryHi(fd: Fd, i: number, words: 1 | 2): number {
  return words === 1 ? 0 : fd.data.readUInt32LE(fd.geometry.array + i * 8 + 4);
}
