/**
 * The VMFS logical volume manager: device header, volume table, PE tables
 * (vmfs-format.md §2), and the logical volume assembled from the physical
 * extents of one or several devices.
 */
import type { BlockDevice } from '../device/block-device.js';
import { ConcatDevice } from '../device/concat-device.js';
import { SliceDevice } from '../device/slice-device.js';
import { VmfskitError } from '../errors.js';
import { decode, type Struct } from '../partition/binary-struct.js';
import { LVM_HEADER_OFFSET, LVM_MAGIC } from '../partition/index.js';

/** LVM device header at device offset 0x100000 (§2.1). */
export const DEVICE_HEADER = {
  magic: [0x00, 'u32'],
  major: [0x04, 'u32'],
  minor: [0x08, 'u32'],
  scsiLun: [0x0e, 'u16'],
  scsiVendor: [0x12, 'cstr:8'],
  scsiModel: [0x1a, 'cstr:16'],
  scsiId: [0x2e, 'cstr:44'],
  diskBlockSize: [0x5a, 'u32'],
  deviceSize: [0x5e, 'u64'],
  volumeCount: [0x66, 'u32'],
  peCount: [0x6a, 'u32'],
  lastPe: [0x6e, 'u32'],
  generation: [0x72, 'u64'],
  dataOffset: [0x7a, 'u64'],
  uuid: [0x82, 'uuid16'],
  initTimeUs: [0x92, 'u64'],
  modTimeUs: [0x9a, 'u64'],
  pairCount: [0xbe, 'u32'],
  extendedRegion: [0xc2, 'u64'],
  mdAlignment: [0xca, 'u32'],
  /** [6] bit 0: VMFS-L (§2.1). */
  lvm6Flags: [0xd2, 'u32'],
} as const;

/** An extended metadata region (§2.2), at the device offset header+0xC2 (then each one's `next`) names. */
const EXTENDED_REGION = {
  magic: [0x00, 'u32'],
  pairCount: [0x04, 'u32'],
  dataOffset: [0x08, 'u64'],
  next: [0x10, 'u64'],
} as const;
/** Extended regions followed at most (dissect's largest test, 0x3FFFF PEs, needs 4). */
const MAX_EXTENDED_REGIONS = 64;

/** Volume table entry, 512 bytes (§2.3). */
export const VOLUME_ENTRY = {
  size: [0x00, 'u64'],
  generation: [0x08, 'u64'],
  state: [0x10, 'u32'],
  name: [0x14, 'cstr:64'],
  lvUuid: [0x54, 'uuid16'],
  snapshotId: [0x64, 'u32'],
  createdUs: [0x68, 'u64'],
  volumeIndex: [0x70, 'u32'],
  peUnits: [0x74, 'u32'],
  firstPe: [0x78, 'u64'],
  lastPe: [0x80, 'u64'],
  modifiedUs: [0x88, 'u64'],
  deviceCount: [0x90, 'u32'],
} as const;

/** PE table entry, 128 bytes (§2.4). */
export const PE_ENTRY = {
  used: [0x00, 'u8'],
  id: [0x01, 'u32'],
  volumeIndex: [0x05, 'u32'],
  physical: [0x09, 'u64'],
  logical: [0x11, 'u64'],
  length: [0x19, 'u64'],
} as const;

const PE_ENTRY_SIZE = 128;
const PE_PER_TABLE = 8192;
const SD_TABLE_BYTES = 32 * 256;
const MAX_PAIRS_PRIMARY = 8;

export type DeviceHeader = Struct<typeof DEVICE_HEADER>;
export type VolumeEntry = Struct<typeof VOLUME_ENTRY>;
export type PeEntry = Struct<typeof PE_ENTRY> & { tableOffset: number };

/** One LVM device (a VMFS partition on one LUN). */
export interface LvmDevice {
  device: BlockDevice;
  /** Where the partition starts on its LUN (to report host offsets). */
  hostStart: number;
  header: DeviceHeader;
  volume: VolumeEntry;
  extents: PeEntry[];
  /** Member device names from the SD table (device zero only). */
  memberNames: string[];
}

function where(dev: BlockDevice, hostStart: number, structure: string, offset: number) {
  return { file: dev.name, structure, offset: hostStart + offset };
}

async function readBytes(dev: BlockDevice, hostStart: number, offset: number, length: number, structure: string): Promise<Buffer> {
  if (offset + length > dev.size) {
    throw new VmfskitError('TRUNCATED', `${length} bytes needed but the partition ends at byte ${dev.size}`, where(dev, hostStart, structure, offset));
  }
  const buf = Buffer.alloc(length);
  await dev.read(buf, offset);
  return buf;
}

/** Read and check one device's header, volume entry and PE table. */
export async function readLvmDevice(dev: BlockDevice, hostStart: number): Promise<LvmDevice> {
  const H = LVM_HEADER_OFFSET;
  const hbuf = await readBytes(dev, hostStart, H, 512, 'LVM device header');
  const header = decode(DEVICE_HEADER, hbuf);
  const bad = (problem: string, structure: string, off: number, code: 'CORRUPT' | 'BAD_MAGIC' | 'UNSUPPORTED' = 'CORRUPT') =>
    new VmfskitError(code, problem, where(dev, hostStart, structure, off));
  if (header.magic !== LVM_MAGIC) throw bad(`bad magic 0x${header.magic.toString(16)} (expected 0xc001d00d)`, 'LVM device header', H, 'BAD_MAGIC');
  if (header.major < 3 || header.major > 6) throw bad(`LVM version ${header.major}.${header.minor} is not known (3, 5 and 6 are)`, 'LVM device header', H + 4, 'UNSUPPORTED');
  const lvm6 = header.major === 6;
  const mdAlign = lvm6 ? header.mdAlignment : 512;
  if (mdAlign < 512 || mdAlign > 1 << 20 || (mdAlign & (mdAlign - 1)) !== 0) throw bad(`metadata alignment ${mdAlign} is not a power of two in 512 B–1 MiB`, 'LVM device header', H + 0xca);
  const maxVolumes = lvm6 ? 1 : 512;
  if (header.volumeCount < 1 || header.volumeCount > maxVolumes) throw bad(`volume count ${header.volumeCount} is out of range (1–${maxVolumes})`, 'LVM device header', H + 0x66);
  if (!Number.isSafeInteger(header.dataOffset)) throw bad(`data offset ${header.dataOffset} is out of range`, 'LVM device header', H + 0x7a);

  // The first volume-table entry: devices carry exactly one volume in practice (§2.5).
  const volOff = H + mdAlign;
  const volume = decode(VOLUME_ENTRY, await readBytes(dev, hostStart, volOff, 512, 'LVM volume table entry 0'));
  if (!Number.isSafeInteger(volume.size) || volume.size <= 0) throw bad(`logical volume size ${volume.size} is out of range`, 'LVM volume table entry 0', volOff);
  if (volume.deviceCount < 1 || volume.deviceCount > 32) throw bad(`device count ${volume.deviceCount} is out of range (1–32)`, 'LVM volume table entry 0', volOff + 0x90);

  // §2.2: pair 0 follows the SD table; an extended region repeats the layout from its own offset.
  const sdOff = H + mdAlign + maxVolumes * 512 + (1024 - maxVolumes) * 512 - SD_TABLE_BYTES;
  const bitmapBytes = lvm6 ? Math.max(mdAlign, 1024) : 1024;
  const pair0 = sdOff + SD_TABLE_BYTES - H;
  const pairs = header.pairCount === 0 ? 1 : header.pairCount;
  if (pairs > MAX_PAIRS_PRIMARY) throw bad(`${pairs} PE map/table pairs (at most ${MAX_PAIRS_PRIMARY} fit the primary region)`, 'LVM device header', H + 0xbe);
  const regions: Array<{ base: number; pairs: number; structure: string }> = [{ base: H, pairs, structure: 'LVM PE table' }];
  const seen = new Set<number>([H]);
  for (let next = header.extendedRegion, k = 1; next !== 0; k++) {
    const from = k === 1 ? H + 0xc2 : regions[regions.length - 1]!.base + EXTENDED_REGION.next[0];
    const s = `LVM extended metadata region ${k}`;
    if (!Number.isSafeInteger(next) || next < H + pair0 || next % 512 !== 0) throw bad(`extended metadata region offset ${next} is out of range`, s, from);
    if (seen.has(next) || k > MAX_EXTENDED_REGIONS) throw bad(`extended metadata region offset ${next} was seen before (a loop)`, s, from);
    seen.add(next);
    const ext = decode(EXTENDED_REGION, await readBytes(dev, hostStart, next, 24, s));
    if (ext.magic !== LVM_MAGIC) throw bad(`bad magic 0x${ext.magic.toString(16)} (expected 0xc001d00d)`, s, next, 'BAD_MAGIC');
    if (ext.pairCount < 1 || ext.pairCount > MAX_PAIRS_PRIMARY) throw bad(`${ext.pairCount} PE map/table pairs (1–${MAX_PAIRS_PRIMARY} fit a region)`, s, next + 4);
    regions.push({ base: next, pairs: ext.pairCount, structure: `LVM extended region ${k} PE table` });
    next = ext.next;
  }
  const capacity = regions.reduce((a, r) => a + r.pairs * PE_PER_TABLE, 0);
  if (header.peCount > capacity) throw bad(`${header.peCount} PE entries: only ${capacity} fit in ${capacity / PE_PER_TABLE} table(s)`, 'LVM device header', H + 0x6a);

  const extents: PeEntry[] = [];
  const chunkEntries = 512;
  for (const region of regions) {
    for (let p = 0; p < region.pairs && extents.length < header.peCount; p++) {
      const table = region.base + pair0 + p * (bitmapBytes + PE_PER_TABLE * PE_ENTRY_SIZE) + bitmapBytes;
      for (let first = 0; first < PE_PER_TABLE && extents.length < header.peCount; first += chunkEntries) {
        const buf = await readBytes(dev, hostStart, table + first * PE_ENTRY_SIZE, chunkEntries * PE_ENTRY_SIZE, `${region.structure} ${p}`);
        for (let i = 0; i < chunkEntries && extents.length < header.peCount; i++) {
          const e = decode(PE_ENTRY, buf, i * PE_ENTRY_SIZE);
          if (e.used === 0) continue;
          extents.push({ ...e, tableOffset: table + (first + i) * PE_ENTRY_SIZE });
        }
      }
    }
  }
  for (const e of extents) {
    const s = `LVM PE table entry ${e.id}`;
    if (!Number.isSafeInteger(e.physical) || !Number.isSafeInteger(e.length) || !Number.isSafeInteger(e.logical) || e.length <= 0) {
      throw bad(`physical ${e.physical} / logical ${e.logical} / length ${e.length} out of range`, s, e.tableOffset);
    }
    if (e.physical < H + pair0 || e.physical + e.length > dev.size) {
      const code = e.physical + e.length > dev.size && e.physical >= H + pair0 ? 'TRUNCATED' : 'CORRUPT';
      throw new VmfskitError(code, `extent at bytes ${e.physical}+${e.length} lies outside the partition (${dev.size} bytes)`, where(dev, hostStart, s, e.tableOffset));
    }
  }
  const sd = await readBytes(dev, hostStart, sdOff, SD_TABLE_BYTES, 'LVM SD table');
  const memberNames: string[] = [];
  for (let i = 0; i < 32; i++) {
    const name = decode({ n: [0, 'cstr:256'] } as const, sd, i * 256).n;
    if (name) memberNames.push(name);
  }
  return { device: dev, hostStart, header, volume, extents, memberNames };
}

/** A piece of the logical volume: [logical, logical+length) is at `physical` on `member`. */
export interface Segment {
  logical: number;
  length: number;
  physical: number;
  member: LvmDevice;
}

export interface LogicalVolume {
  device: BlockDevice;
  segments: Segment[];
  members: LvmDevice[];
  /** Where a volume offset lives on the host: for error messages. */
  hostOffset(volumeOffset: number): { file: string; offset: number } | null;
}

/**
 * Build the logical volume from the PE entries of all members: sorted by
 * logical offset they must tile [0, size) exactly. A gap means a member
 * LUN is missing; we name it rather than read zeros (§2.5).
 */
export function assembleVolume(members: LvmDevice[], name: string): LogicalVolume {
  const first = members[0]!;
  const lv = first.volume;
  const mine = members.filter((m) => m.volume.lvUuid === lv.lvUuid && m.volume.snapshotId === lv.snapshotId);
  for (const m of members) {
    if (!mine.includes(m)) {
      throw new VmfskitError('USAGE', `this extent belongs to logical volume ${m.volume.lvUuid}, not to ${lv.lvUuid} of ${first.device.name}`, {
        file: m.device.name,
        structure: 'LVM volume table entry 0',
        offset: m.hostStart + LVM_HEADER_OFFSET + 512,
      });
    }
  }
  const segments: Segment[] = [];
  for (const m of mine) {
    for (const e of m.extents) if (e.volumeIndex === m.volume.volumeIndex) segments.push({ logical: e.logical, length: e.length, physical: e.physical, member: m });
  }
  segments.sort((a, b) => a.logical - b.logical);
  let pos = 0;
  const hdr = first.hostStart + LVM_HEADER_OFFSET;
  for (const s of segments) {
    if (s.logical < pos) {
      throw new VmfskitError('CORRUPT', `PE entries overlap at logical volume byte ${s.logical}`, { file: s.member.device.name, structure: 'LVM PE table', offset: s.member.hostStart + LVM_HEADER_OFFSET });
    }
    if (s.logical > pos) throw missing(mine, lv, pos, s.logical, first.device.name, hdr);
    pos = s.logical + s.length;
  }
  if (pos < lv.size) throw missing(mine, lv, pos, lv.size, first.device.name, hdr);
  const parts: BlockDevice[] = [];
  let end = 0;
  for (const s of segments) {
    if (end >= lv.size) break;
    const len = Math.min(s.length, lv.size - end);
    parts.push(new SliceDevice(s.member.device, s.physical, len, s.member.device.name));
    end += len;
  }
  const device = new ConcatDevice(parts, name);
  return {
    device,
    segments,
    members: mine,
    hostOffset(v: number) {
      const s = segments.find((x) => x.logical <= v && v < x.logical + x.length);
      return s ? { file: s.member.device.name, offset: s.member.hostStart + s.physical + (v - s.logical) } : null;
    },
  };
}

function missing(members: LvmDevice[], lv: VolumeEntry, from: number, to: number, file: string, offset: number): VmfskitError {
  const names = members.flatMap((m) => m.memberNames);
  const found = members.map((m) => m.device.name).join(', ');
  const known = names.length ? `; the volume's devices are ${[...new Set(names)].join(', ')}` : '';
  const problem =
    members.length < lv.deviceCount
      ? `spanned volume member missing: the volume has ${lv.deviceCount} devices, ${members.length} given (${found})${known}; logical bytes ${from}–${to} are on a device not given (add it with --extent)`
      : `the PE tables leave logical volume bytes ${from}–${to} unmapped (a hole in the PE table)`;
  return new VmfskitError(members.length < lv.deviceCount ? 'NOT_FOUND' : 'CORRUPT', problem, { file, structure: 'LVM PE table', offset });
}
