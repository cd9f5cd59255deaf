/**
 * Where the VMFS partitions of a LUN are: GPT (512- then 4096-byte
 * sectors), MBR type 0xFB, or a bare partition (LVM magic at 1 MiB) /
 * bare logical volume (FS magic at 2 MiB). vmfs-format.md §1.
 */
import type { BlockDevice } from '../device/block-device.js';
import { SliceDevice } from '../device/slice-device.js';
import { VmfskitError } from '../errors.js';
import { probeVmfs, type FsFound } from './fs-probe.js';
import { detectGpt } from './gpt.js';
import { readMbr } from './mbr.js';
import type { PartitionEntry, PartitionTable, SectorSize } from './types.js';

export type { PartitionEntry, PartitionTable, SectorSize } from './types.js';
export { VMFS_GPT_TYPE } from './gpt.js';

export const LVM_MAGIC = 0xc001d00d;
export const LVM_HEADER_OFFSET = 0x100000;
export const FS_MAGIC = 0x2fabf15e;
export const FS_MAGIC_L = 0x2fabf15f;
export const FS_DESCRIPTOR_OFFSET = 0x200000;

export interface Layout {
  /** null for a bare partition or volume. */
  table: PartitionTable | null;
  /** 'lvm' = a device with an LVM header; 'volume' = a bare logical volume (no LVM). */
  vmfs: Array<{ entry: PartitionEntry | null; content: 'lvm' | 'volume' }>;
}

async function u32At(dev: BlockDevice, offset: number): Promise<number | null> {
  if (offset + 4 > dev.size) return null;
  const b = Buffer.alloc(4);
  await dev.read(b, offset);
  return b.readUInt32LE(0);
}

/** What sits at the start of a partition (or a whole device): an LVM device, a bare volume, or nothing. */
export async function vmfsContent(dev: BlockDevice, start = 0): Promise<'lvm' | 'volume' | null> {
  if ((await u32At(dev, start + LVM_HEADER_OFFSET)) === LVM_MAGIC) return 'lvm';
  const fs = await u32At(dev, start + FS_DESCRIPTOR_OFFSET);
  return fs === FS_MAGIC || fs === FS_MAGIC_L ? 'volume' : null;
}

/**
 * The partition table of a disk: GPT (sector size found, or `sectorSize`),
 * else MBR (with logical partitions), else null. A protective MBR without
 * any valid GPT header is an error.
 */
export async function readTable(dev: BlockDevice, sectorSize?: SectorSize): Promise<PartitionTable | null> {
  const mbr = await readMbr(dev, sectorSize ?? 512);
  const table = await detectGpt(dev, sectorSize);
  if (table) return table;
  if (mbr && !mbr.protective && mbr.entries.length > 0) {
    const how = sectorSize ? `--sector-size ${sectorSize}` : 'MBR LBAs: 512 assumed (--sector-size 4096 for a 4Kn disk)';
    return { scheme: 'mbr', sectorSize: sectorSize ?? 512, sectorSizeHow: how, partitions: mbr.entries, warnings: mbr.warnings };
  }
  if (mbr?.protective) {
    throw new VmfskitError('CORRUPT', 'protective MBR (type 0xEE) but no valid GPT header, primary or backup', { file: dev.name, structure: 'GPT header', offset: 512 });
  }
  return null;
}

/** Read the partition table (if any) and list the VMFS partitions on it. */
export async function scanLun(dev: BlockDevice, sectorSize?: SectorSize): Promise<Layout> {
  const table = await readTable(dev, sectorSize);
  const vmfs: Layout['vmfs'] = [];
  if (table) {
    for (const p of table.partitions) {
      if (p.container) continue;
      // Trust the type, but also find VMFS behind a mislabelled entry (a re-typed partition is still evidence).
      const content = p.problems ? null : await vmfsContent(dev, p.start);
      if (!p.isVmfs && !content) continue;
      if (p.problems) {
        throw new VmfskitError('CORRUPT', `VMFS partition ${p.index} ${p.problems[0]}`, { file: dev.name, structure: `${table.scheme.toUpperCase()} entry ${p.index}` });
      }
      vmfs.push({ entry: p, content: content ?? 'lvm' });
    }
  }
  if (vmfs.length === 0) {
    const content = await vmfsContent(dev);
    if (content) vmfs.push({ entry: null, content });
  }
  return { table, vmfs };
}

/** The one VMFS partition to open (`partition` = 1-based table number when there are several). */
export async function findVmfsPartition(dev: BlockDevice, partition?: number, sectorSize?: SectorSize): Promise<{ device: BlockDevice; layout: Layout; chosen: Layout['vmfs'][number] }> {
  const layout = await scanLun(dev, sectorSize);
  const { table, vmfs } = layout;
  if (vmfs.length === 0) {
    const what = table
      ? `${table.scheme.toUpperCase()} with ${table.partitions.length} partition(s) (types ${table.partitions.map((p) => p.type).join(', ') || 'none'}), none of them VMFS`
      : 'no partition table, and no VMFS LVM header (0xC001D00D) at byte 1048576 nor FS descriptor at byte 2097152';
    throw new VmfskitError('BAD_MAGIC', `no VMFS partition found: ${what}`, { file: dev.name, structure: table ? 'partition table' : 'LVM device header', offset: table ? 0 : LVM_HEADER_OFFSET });
  }
  let chosen = vmfs[0]!;
  if (partition !== undefined) {
    const hit = vmfs.find((v) => v.entry?.index === partition);
    if (!hit) {
      throw new VmfskitError('NOT_FOUND', `no VMFS partition number ${partition}; VMFS partitions here: ${vmfs.map((v) => v.entry?.index ?? 'bare').join(', ')}`, { file: dev.name });
    }
    chosen = hit;
  } else if (vmfs.length > 1) {
    const each: string[] = [];
    for (const v of vmfs) each.push(`${v.entry!.index} = ${describeEntry(v.entry!, await probeVmfs(dev, v.entry!.start))}`);
    throw new VmfskitError('USAGE', `${vmfs.length} VMFS partitions (numbers ${vmfs.map((v) => v.entry!.index).join(', ')}: ${each.join('; ')}): choose one with --partition N`, { file: dev.name });
  }
  const e = chosen.entry;
  const device = e ? new SliceDevice(dev, e.start, e.size, `${dev.name}`) : dev;
  return { device, layout, chosen };
}

/** "VMware VMFS "datastore1" VMFS-6.82": a partition's type and what its content says it is. */
export function describeEntry(p: PartitionEntry, fs: FsFound | null): string {
  const type = p.typeName ?? p.type;
  if (!fs) return type;
  return `${type}, ${fs.fs}${fs.label ? ` "${fs.label}"` : ''}`;
}
