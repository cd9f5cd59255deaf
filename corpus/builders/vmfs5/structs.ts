/**
 * The VMFS-5 on-disk structures the builder writes, each described once as a
 * field table (name → offset, type), plus one encoder. Offsets and the values
 * ESXi leaves in them come from shared/docs/vmfs-format.md and were checked
 * field by field against the ESXi-made sample esxi-vmfs5-small.bin.gz.
 * The tables repeat the reader's (src/vmfs) on purpose: a builder that shared
 * the reader's layout would carry the reader's mistakes into the test images,
 * and only debugvmfs would be left to catch them.
 */

type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'uuid' | { str: number } | { bytes: number };
type Layout = Record<string, readonly [offset: number, type: FieldType]>;
export type Values<L extends Layout> = { [K in keyof L]?: number | string | Uint8Array };

/** Write `values` into `buf` at `base` following `layout`; unnamed bytes are left as they are (zero). */
export function encode<L extends Layout>(buf: Buffer, base: number, layout: L, values: Values<L>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const field = layout[name];
    if (!field) throw new Error(`unknown field ${name}`);
    const [off, type] = field;
    const at = base + off;
    if (type === 'u8') buf.writeUInt8(Number(value), at);
    else if (type === 'u16') buf.writeUInt16LE(Number(value), at);
    else if (type === 'u32') buf.writeUInt32LE(Number(value) >>> 0, at);
    else if (type === 'u64') buf.writeBigUInt64LE(BigInt(value as number), at);
    else if (type === 'uuid') Buffer.from(value as Uint8Array).copy(buf, at, 0, 16);
    else if ('str' in type) {
      const b = Buffer.from(String(value), 'utf8');
      if (b.length > type.str) throw new Error(`${name}: "${String(value)}" longer than ${type.str} bytes`);
      b.copy(buf, at);
    } else Buffer.from(value as Uint8Array).copy(buf, at, 0, type.bytes);
  }
}

/** LVM device header at device offset 0x100000 (format §2.1). */
export const LVM_DEVICE_HEADER = {
  magic: [0x00, 'u32'],
  major: [0x04, 'u32'],
  minor: [0x08, 'u32'],
  scsiType: [0x0c, 'u8'],
  scsiIdLength: [0x0d, 'u8'],
  lun: [0x0e, 'u16'],
  scsiId: [0x2e, { str: 44 }],
  diskBlockSize: [0x5a, 'u32'],
  deviceSize: [0x5e, 'u64'],
  numVolumes: [0x66, 'u32'],
  numPeEntries: [0x6a, 'u32'],
  lastPeIndex: [0x6e, 'u32'],
  generation: [0x72, 'u64'],
  dataOffset: [0x7a, 'u64'],
  deviceUuid: [0x82, 'uuid'],
  initTimeUs: [0x92, 'u64'],
  modTimeUs: [0x9a, 'u64'],
  numPeMapPairs: [0xbe, 'u32'],
} as const;

/** LVM volume table entry, 512 bytes at device offset 0x100200 (format §2.3). */
export const LVM_VOLUME_ENTRY = {
  size: [0x00, 'u64'],
  generation: [0x08, 'u64'],
  state: [0x10, 'u32'],
  name: [0x14, { str: 64 }],
  lvUuid: [0x54, 'uuid'],
  snapshotId: [0x64, 'u32'],
  createTimeUs: [0x68, 'u64'],
  volumeIndex: [0x70, 'u32'],
  numPes: [0x74, 'u32'],
  firstPe: [0x78, 'u64'],
  lastPe: [0x80, 'u64'],
  modTimeUs: [0x88, 'u64'],
  numDevices: [0x90, 'u32'],
} as const;

/** LVM PE table entry, 128 bytes from device offset 0x180600 (format §2.4). */
export const LVM_PE_ENTRY = {
  used: [0x00, 'u8'],
  peId: [0x01, 'u32'],
  volumeIndex: [0x05, 'u32'],
  physicalOffset: [0x09, 'u64'],
  logicalOffset: [0x11, 'u64'],
  length: [0x19, 'u64'],
  version: [0x21, 'u32'],
} as const;

/** FS descriptor at volume offset 0x200000 (format §4). */
export const FS_DESCRIPTOR = {
  magic: [0x00, 'u32'],
  major: [0x04, 'u32'],
  minor: [0x08, 'u8'],
  fsUuid: [0x09, 'uuid'],
  config: [0x19, 'u32'],
  label: [0x1d, { str: 128 }],
  diskBlockSize: [0x9d, 'u32'],
  fileBlockSize: [0xa1, 'u64'],
  createTime: [0xa9, 'u32'],
  snapshotId: [0xad, 'u32'],
  lvUuid: [0xb1, 'uuid'],
  lvSnapshotId: [0xc1, 'u32'],
  fdcClusterGroupOffset: [0xd1, 'u32'],
  fdcClustersPerGroup: [0xd5, 'u32'],
  subBlockSize: [0xd9, 'u32'],
  maxJournalSlots: [0xdd, 'u32'],
  pb2FdOffset: [0xe1, 'u64'],
  pb2FdAddress: [0xe9, 'u32'],
  formatHostUuid: [0xed, 'uuid'],
  generation: [0xfd, 'u64'],
  sddFdOffset: [0x105, 'u64'],
  sddFdAddress: [0x10d, 'u32'],
} as const;

/** Heartbeat slot, 512 bytes from volume offset 0x300000 (format §13). */
export const HEARTBEAT = {
  state: [0x00, 'u32'],
  ownOffset: [0x04, 'u64'],
} as const;

/** Lock block: first 512 bytes of an FD and of every cluster header (format §6.3, §8.1). */
export const LOCK_BLOCK = {
  magic: [0x00, 'u32'],
  ownOffset: [0x04, 'u64'],
  /** ESXi leaves 1 here on every unlocked lock of the sample (3 on a held one). */
  lockMode: [0x1c, 'u32'],
} as const;

/** Resource file header at file offset 0 of .fbb/.fdc/.pbc/.sbc/.pb2 (format §6.1). */
export const RESOURCE_HEADER = {
  resourcesPerCluster: [0x00, 'u32'],
  clustersPerGroup: [0x04, 'u32'],
  clusterGroupOffset: [0x08, 'u32'],
  resourceSize: [0x0c, 'u32'],
  clusterGroupSize: [0x10, 'u32'],
  numResources: [0x14, 'u32'],
  numClusterGroups: [0x18, 'u32'],
  numResourcesHigh: [0x1c, 'u32'],
} as const;

/** Cluster metadata, the second 512 bytes of a cluster header (format §6.3); bitmap bit set = free. */
export const CLUSTER_METADATA = {
  clusterNumber: [0x00, 'u32'],
  totalResources: [0x04, 'u32'],
  freeResources: [0x08, 'u32'],
  nextFreeIndex: [0x0c, 'u32'],
  freeBitmap: [0x10, { bytes: 64 }],
} as const;

/** File descriptor metadata at FD + 512 (format §8.2). */
export const FD_METADATA = {
  address: [0x00, 'u32'],
  generation: [0x04, 'u32'],
  linkCount: [0x08, 'u32'],
  type: [0x0c, 'u32'],
  flags: [0x10, 'u32'],
  length: [0x14, 'u64'],
  blockSize: [0x1c, 'u64'],
  numBlocks: [0x24, 'u64'],
  mtime: [0x2c, 'u32'],
  ctime: [0x30, 'u32'],
  atime: [0x34, 'u32'],
  uid: [0x38, 'u32'],
  gid: [0x3c, 'u32'],
  mode: [0x40, 'u32'],
  zla: [0x44, 'u32'],
  tbzBlocks: [0x48, 'u32'],
  cowBlocks: [0x4c, 'u32'],
  /** Equals numBlocks on every FD of the ESXi sample. */
  newSinceEpoch: [0x50, 'u32'],
  numPointerBlocks: [0x5c, 'u32'],
  affinityFd: [0x68, 'u32'],
  tbzGranularityShift: [0x6c, 'u32'],
  blockOffsetShift: [0x89, 'u8'],
} as const;

/** Directory entry, 140 bytes (format §10.1). */
export const DIR_ENTRY = {
  type: [0x00, 'u32'],
  fdAddress: [0x04, 'u32'],
  generation: [0x08, 'u32'],
  name: [0x0c, { str: 127 }],
} as const;
export const DIR_ENTRY_SIZE = 140;

/** GPT header at LBA 1 (UEFI spec). */
export const GPT_HEADER = {
  signature: [0x00, { str: 8 }],
  revision: [0x08, 'u32'],
  headerSize: [0x0c, 'u32'],
  headerCrc: [0x10, 'u32'],
  currentLba: [0x18, 'u64'],
  backupLba: [0x20, 'u64'],
  firstUsableLba: [0x28, 'u64'],
  lastUsableLba: [0x30, 'u64'],
  diskGuid: [0x38, 'uuid'],
  entriesLba: [0x48, 'u64'],
  numEntries: [0x50, 'u32'],
  entrySize: [0x54, 'u32'],
  entriesCrc: [0x58, 'u32'],
} as const;

/** GPT partition entry, 128 bytes. */
export const GPT_ENTRY = {
  typeGuid: [0x00, 'uuid'],
  partGuid: [0x10, 'uuid'],
  firstLba: [0x20, 'u64'],
  lastLba: [0x28, 'u64'],
  name: [0x38, { bytes: 72 }],
} as const;

/** MBR partition entry, 16 bytes from byte 446. */
export const MBR_ENTRY = {
  status: [0x00, 'u8'],
  chsFirst: [0x01, { bytes: 3 }],
  type: [0x04, 'u8'],
  chsLast: [0x05, { bytes: 3 }],
  firstLba: [0x08, 'u32'],
  numSectors: [0x0c, 'u32'],
} as const;
