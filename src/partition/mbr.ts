/** Master boot record: the four primary entries (ESX never put VMFS in logical partitions). */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { decode } from './binary-struct.js';
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
const SECTOR = 512;

export interface Mbr {
  entries: PartitionEntry[];
  /** An 0xEE entry: the disk carries a GPT. */
  protective: boolean;
}

/** The MBR of `dev`, or null when sector 0 has no 0x55AA signature. */
export async function readMbr(dev: BlockDevice): Promise<Mbr | null> {
  if (dev.size < SECTOR) return null;
  const buf = Buffer.alloc(SECTOR);
  await dev.read(buf, 0);
  if (buf.readUInt16LE(510) !== 0xaa55) return null;
  const entries: PartitionEntry[] = [];
  let protective = false;
  for (let i = 0; i < 4; i++) {
    const at = TABLE_OFFSET + i * 16;
    const e = decode(ENTRY, buf, at);
    if (e.type === 0 || e.sectors === 0) continue;
    if (e.type === GPT_PROTECTIVE_TYPE) protective = true;
    const start = e.startLba * SECTOR;
    const size = e.sectors * SECTOR;
    const isVmfs = e.type === VMFS_MBR_TYPE;
    if (isVmfs && (e.startLba === 0 || start + size > dev.size)) {
      throw new VmfskitError('CORRUPT', `VMFS partition spans sectors ${e.startLba}+${e.sectors}, outside the LUN (${dev.size} bytes)`, {
        file: dev.name,
        structure: `MBR entry ${i + 1}`,
        offset: at,
      });
    }
    entries.push({ index: i + 1, start, size: Math.min(size, Math.max(0, dev.size - start)), type: `0x${e.type.toString(16).toUpperCase().padStart(2, '0')}`, isVmfs });
  }
  return { entries, protective };
}
