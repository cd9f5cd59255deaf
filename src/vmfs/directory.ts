/** VMFS-3/5 directories: a flat array of 140-byte entries (vmfs-format.md §10.1). */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import type { DirectoryContext } from './versions/format.js';

export const DIR_ENTRY = {
  type: [0x00, 'u32'],
  fdAddress: [0x04, 'u32'],
  generation: [0x08, 'u32'],
  name: [0x0c, 'cstr:128'],
} as const;

export const DIR_ENTRY_SIZE = 140;
const NAME_BYTES = DIR_ENTRY_SIZE - DIR_ENTRY.name[0];
/** 64 MiB of entries = 479 000 names ([3][5]), 230 000 ([6]); ESXi's own limit is far lower. */
export const MAX_DIR_BYTES = 64 << 20;

export interface DirEntry {
  type: number;
  fdAddress: number;
  generation: number;
  name: string;
  /** Byte offset of the entry in the directory file. */
  offset: number;
  /** Volume offset of the entry (filled in by the volume; for error messages). */
  volumeOffset: number;
}

/** Check a directory's length before reading it. */
export function checkDirSize(size: number, where: ErrorWhere): void {
  if (size % DIR_ENTRY_SIZE !== 0) throw new VmfskitError('CORRUPT', `directory length ${size} is not a multiple of the ${DIR_ENTRY_SIZE}-byte entry size`, where);
  if (size > MAX_DIR_BYTES) throw new VmfskitError('CORRUPT', `directory length ${size} is beyond the ${MAX_DIR_BYTES}-byte sanity limit`, where);
}

/** Used entries (FD address ≠ 0), "." and ".." included. */
export function parseDirectory(buf: Buffer): DirEntry[] {
  const out: DirEntry[] = [];
  for (let off = 0; off + DIR_ENTRY_SIZE <= buf.length; off += DIR_ENTRY_SIZE) {
    // Free slots are most of a large directory's bytes: skip them before decoding anything.
    const fdAddress = buf.readUInt32LE(off + DIR_ENTRY.fdAddress[0]);
    if (fdAddress === 0) continue;
    // Decoded field by field, not by decode(): a folder of 10 000 files spent 30 ms in the generic path.
    // The name stops at its first NUL byte: the same string as decoding all its bytes and cutting at
    // the first U+0000, since a NUL byte is never part of a multi-byte UTF-8 sequence.
    const at = off + DIR_ENTRY.name[0];
    const nul = buf.indexOf(0, at);
    const end = nul < 0 || nul > at + NAME_BYTES ? at + NAME_BYTES : nul;
    out.push({
      type: buf.readUInt32LE(off + DIR_ENTRY.type[0]),
      fdAddress,
      generation: buf.readUInt32LE(off + DIR_ENTRY.generation[0]),
      name: buf.toString('utf8', at, end),
      offset: off,
      volumeOffset: 0,
    });
  }
  return out;
}

/** §10.1: read the whole directory file and keep its used slots. */
export async function readFlatDirectory(file: BlockDevice, ctx: DirectoryContext): Promise<DirEntry[]> {
  checkDirSize(file.size, ctx.lengthWhere());
  const buf = Buffer.alloc(file.size);
  await file.read(buf, 0);
  return parseDirectory(buf);
}
