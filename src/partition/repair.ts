/**
 * Repaired views: a partition whose first file-system block was destroyed
 * (a locker encrypts the start of every disk and often of every partition)
 * but whose file system keeps a backup copy of it, read with that block taken
 * from the backup. The evidence is not touched: the result is a list of
 * in-memory patches for a PatchedDevice. Exactly what each patch changes:
 *
 * - NTFS: partition sector 0 (one sector of the boot sector's own size) :=
 *   the backup boot sector, byte for byte (NTFS keeps it in the sector after
 *   the volume, the partition's last sector; the two are identical when the
 *   volume is healthy).
 * - FAT32: sector 0 := the backup boot sector at sector 6 (BPB "backup boot
 *   sector" is 6 on every formatter; the primary that said so is gone), byte
 *   for byte.
 * - ext2/3/4: bytes 1024–2047 := the backup superblock found at group g,
 *   with s_block_group_nr (0x5A) set to 0 as the primary has it, and, with
 *   metadata_csum, s_checksum (0x3FC) recomputed. Nothing else: a backup is
 *   written by e2fsprogs with s_state's "clean" bit cleared and its free
 *   counts and times as they stood then (closefs.c), and the view keeps them
 *   — it claims no more than the backup says. Group descriptors are not
 *   patched (they follow the superblock and are only lost with it when more
 *   than the superblock is destroyed).
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Patch } from '../device/patched-device.js';
import { crc32cRaw } from './crc32c.js';
import { EXT_SB_BYTES, extSuper, fatBoot, HEAD_BYTES, identifyHead, ntfsBoot, probeVmfs, RO_COMPAT_METADATA_CSUM } from './fs-probe.js';

const MiB = 1 << 20;
/** How far into a partition to look for an ext backup superblock at 1 MiB steps when the usual places hold none. */
const EXT_SEARCH_LIMIT = 1 << 30;

export interface RepairPlan {
  fs: string;
  patches: Patch[];
  /** One line: which backup was used. */
  how: string;
}

async function readAt(dev: BlockDevice, offset: number, n: number): Promise<Buffer | null> {
  if (offset < 0 || offset + n > dev.size) return null;
  const b = Buffer.alloc(n);
  await dev.read(b, offset);
  return b;
}

/** Where an ext backup superblock of group g (> 0) starts, for a block size and group size. */
export function extBackupOffset(group: number, blocksPerGroup: number, blockSize: number): number {
  return (group * blocksPerGroup + (blockSize === 1024 ? 1 : 0)) * blockSize;
}

/** The groups that carry backups with sparse_super: 1 and the powers of 3, 5 and 7. */
export function sparseGroups(limit: number): number[] {
  const out = new Set<number>([1]);
  for (const b of [3, 5, 7]) for (let g = b; g < limit; g *= b) out.add(g);
  return [...out].filter((g) => g < limit).sort((a, b) => a - b);
}

/** The superblock found at partition offset `at` as its copy of group g, if it is one and sits where group g's copy belongs. */
function extBackupAt(buf: Buffer, inBuf: number, at: number, partSize: number): ReturnType<typeof extSuper> {
  const sb = extSuper(buf, inBuf);
  if (!sb || !sb.copyOf || extBackupOffset(sb.copyOf, sb.blocksPerGroup, sb.blockSize) !== at || (sb.size ?? 0) > partSize) return null;
  return sb;
}

/** A backup ext superblock in `part`: the usual places (default group size), then 1 MiB steps (any group size that is a MiB multiple). */
export async function findExtBackup(part: BlockDevice): Promise<{ at: number; bytes: Buffer; group: number } | null> {
  const tried = new Set<number>();
  const probe = async (at: number) => {
    if (tried.has(at)) return null;
    tried.add(at);
    const b = await readAt(part, at, EXT_SB_BYTES);
    const sb = b && extBackupAt(b, 0, at, part.size);
    return sb ? { at, bytes: b!, group: sb.copyOf! } : null;
  };
  for (const bs of [4096, 1024, 2048]) {
    for (const g of [1, 3, 5]) {
      const hit = await probe(extBackupOffset(g, 8 * bs, bs));
      if (hit) return hit;
    }
  }
  for (let k = 1; k * MiB < Math.min(part.size, EXT_SEARCH_LIMIT); k++) {
    for (const at of [k * MiB, k * MiB + 1024]) {
      const hit = await probe(at);
      if (hit) return hit;
    }
  }
  return null;
}

/** The backup superblock made primary: group number 0, checksum recomputed when the file system has one. */
export function extPrimaryFromBackup(backup: Buffer): Buffer {
  const sb = Buffer.from(backup.subarray(0, EXT_SB_BYTES));
  sb.writeUInt16LE(0, 0x5a);
  if (sb.readUInt32LE(0x64) & RO_COMPAT_METADATA_CSUM) sb.writeUInt32LE(crc32cRaw(0xffffffff, sb.subarray(0, 0x3fc)), 0x3fc);
  return sb;
}

/**
 * What would repair the partition `part`, or null: when its start is intact
 * (something is recognized there) or no backup is found.
 */
export async function planRepair(part: BlockDevice): Promise<RepairPlan | null> {
  const head = await readAt(part, 0, Math.min(HEAD_BYTES, part.size));
  if (!head || head.length < 4096) return null;
  if (identifyHead(head) || (await probeVmfs(part, 0))) return null;
  for (const bps of [512, 4096]) {
    const last = await readAt(part, part.size - bps, bps);
    const nt = last && ntfsBoot(last);
    if (nt && nt.size === part.size) {
      return { fs: 'NTFS', patches: [{ offset: 0, bytes: last!.subarray(0, bps), why: `NTFS boot sector from its backup in the partition's last sector (byte ${part.size - bps})` }], how: `NTFS backup boot sector at partition byte ${part.size - bps}` };
    }
  }
  const fat = fatBoot(head, 6 * 512);
  if (fat?.fs === 'FAT32') {
    return { fs: 'FAT32', patches: [{ offset: 0, bytes: head.subarray(3072, 3584), why: 'FAT32 boot sector from its backup at sector 6' }], how: 'FAT32 backup boot sector at sector 6' };
  }
  const ext = await findExtBackup(part);
  if (ext) {
    const fs = extSuper(ext.bytes, 0)!.fs;
    return {
      fs,
      patches: [{ offset: 1024, bytes: extPrimaryFromBackup(ext.bytes), why: `${fs} primary superblock from the backup of group ${ext.group} (byte ${ext.at}), s_block_group_nr set to 0, checksum recomputed if metadata_csum` }],
      how: `${fs} backup superblock of group ${ext.group} at partition byte ${ext.at}`,
    };
  }
  return null;
}
