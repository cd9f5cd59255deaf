/**
 * The partitions of any disk (a guest's virtual disk, a LUN, a boot disk) and
 * what each holds; partition N of a disk as a device of its own (`#pN`), and
 * its repaired view (`#pN:repaired`).
 */
import type { BlockDevice } from '../device/block-device.js';
import { PatchedDevice, type Patch } from '../device/patched-device.js';
import { SliceDevice } from '../device/slice-device.js';
import { VmfskitError, isVmfskitError } from '../errors.js';
import { probeAt, type FsFound } from './fs-probe.js';
import { readTable } from './index.js';
import { planRepair, type RepairPlan } from './repair.js';
import { scanDisk } from './scan.js';
import type { PartitionEntry, PartitionTable, SectorSize } from './types.js';

const VMKCORE_GPT = '9D275380-40AD-11DB-BF97-000C2911D1B8';

export interface DescribedPartition extends PartitionEntry {
  /** What its first bytes say it holds. */
  content: FsFound | null;
  /** Its primary boot sector/superblock is gone and a backup is there: what `#pN:repaired` changes. */
  repair?: RepairPlan;
}

/** Each partition of `table` with what it holds (containers and entries past the end are not probed). */
export async function describePartitions(dev: BlockDevice, table: PartitionTable): Promise<DescribedPartition[]> {
  const out: DescribedPartition[] = [];
  for (const p of table.partitions) {
    const d: DescribedPartition = { ...p, content: null };
    if (!p.container && !p.problems && p.size > 0) {
      const part = new SliceDevice(dev, p.start, p.size, dev.name);
      d.content = await probeAt(part, 0);
      if (!d.content) {
        const plan = await planRepair(part);
        if (plan) d.repair = plan;
      }
    }
    out.push(d);
  }
  return out;
}

/** One phrase: "FAT16 "BOOTBANK1" id 1234-ABCD", "vmkcore (diagnostic partition)", "unknown". */
export function holdsText(p: DescribedPartition): string {
  if (p.container) return 'extended partition (holds the logical partitions)';
  if (p.problems?.length) return `not probed: ${p.problems.join('; ')}`;
  const c = p.content;
  if (c) return `${c.fs}${c.label ? ` "${c.label}"` : ''}${c.id ? ` ${c.fs.startsWith('VMFS') ? 'uuid' : 'id'} ${c.id}` : ''}`;
  if (p.repair) return `${p.repair.fs} with its primary ${p.repair.fs.startsWith('ext') ? 'superblock' : 'boot sector'} destroyed (${p.repair.how} survives: #p${p.index}:repaired)`;
  if (p.type.toUpperCase() === VMKCORE_GPT || p.type === '0xFC') return 'vmkcore (diagnostic partition)';
  return 'unknown';
}

export interface PartitionDevice {
  device: BlockDevice;
  start: number;
  size: number;
  /** Where the partition came from: the disk's table, or `partitions --scan` when there is none. */
  from: 'table' | 'scan';
  /** Set for a repaired view: what differs from the evidence. */
  patches?: Patch[];
}

/**
 * Partition `n` of `dev` as a device named `name`: from the partition table,
 * or — when the disk has none that can be read — candidate `n` of a scan (the
 * numbering `partitions --scan` prints). With `repaired`, the partition with
 * its destroyed first block read from its backup (repair.ts).
 */
export async function openPartition(dev: BlockDevice, n: number, name: string, o: { repaired?: boolean; sectorSize?: SectorSize } = {}): Promise<PartitionDevice> {
  let table: PartitionTable | null = null;
  try {
    table = await readTable(dev, o.sectorSize);
  } catch (e) {
    if (!isVmfskitError(e)) throw e;
  }
  let start: number;
  let size: number;
  let from: PartitionDevice['from'];
  if (table && table.partitions.some((p) => !p.container)) {
    const p = table.partitions.find((x) => x.index === n);
    const numbers = table.partitions.filter((x) => !x.container).map((x) => x.index);
    if (!p) throw new VmfskitError('NOT_FOUND', `no partition ${n} in its ${table.scheme.toUpperCase()}; partitions: ${numbers.join(', ')}`, { file: dev.name });
    if (p.container) throw new VmfskitError('USAGE', `partition ${n} is an extended partition (a container); its logical partitions are ${numbers.filter((i) => i > 4).join(', ') || 'none'}`, { file: dev.name });
    if (p.problems) throw new VmfskitError('CORRUPT', `partition ${n} ${p.problems.join('; ')}`, { file: dev.name, structure: `${table.scheme.toUpperCase()} entry ${n}` });
    ({ start, size } = p);
    from = 'table';
  } else {
    const scan = await scanDisk(dev, o.sectorSize);
    const c = scan.candidates.find((x) => x.number === n);
    if (!c) throw new VmfskitError('NOT_FOUND', `no partition table, and a scan found ${scan.candidates.length ? `candidates 1–${scan.candidates.length}` : 'no partition'}: no partition ${n} (see: vmfskit partitions --scan)`, { file: dev.name });
    if (c.size === undefined) throw new VmfskitError('CORRUPT', `no partition table; scan candidate ${n} at byte ${c.start} has no known length`, { file: dev.name });
    if (c.start + c.size > dev.size) throw new VmfskitError('CORRUPT', `no partition table; scan candidate ${n} (${c.fs}) at byte ${c.start} runs ${c.start + c.size - dev.size} bytes past the end of the disk (${dev.size} bytes)`, { file: dev.name });
    ({ start, size } = c);
    from = 'scan';
  }
  const slice = new SliceDevice(dev, start, size, name);
  if (!o.repaired) return { device: slice, start, size, from };
  const plan = await planRepair(slice);
  if (!plan) {
    const intact = await probeAt(slice, 0);
    if (intact) throw new VmfskitError('USAGE', `partition ${n} needs no repair: its ${intact.fs} start is intact (open #p${n})`, { file: dev.name });
    throw new VmfskitError('CORRUPT', `partition ${n}: nothing recognized at its start and no NTFS, FAT32 or ext backup found to repair it from`, { file: dev.name, offset: start });
  }
  return { device: new PatchedDevice(slice, plan.patches, name), start, size, from, patches: plan.patches };
}
