/**
 * The VMFS-6 structures the builder writes, as field tables for the shared
 * encoder (vmfs5/structs.ts). Where [6] keeps the [5] layout (LVM tables,
 * the first part of the FS descriptor and of FD metadata) the [5] table is
 * extended, not copied. Offsets: shared/docs/vmfs-format.md §2, §4, §6, §8,
 * §10.2, each checked against the bytes of esxi-vmfs6-small.bin.gz.
 */
import { FD_METADATA as FD5, FS_DESCRIPTOR as FS5, LVM_DEVICE_HEADER as LVM5, LVM_VOLUME_ENTRY as VOL5, RESOURCE_HEADER as RES5 } from '../vmfs5/structs.js';

export { encode, LVM_PE_ENTRY, LOCK_BLOCK, HEARTBEAT } from '../vmfs5/structs.js';

/** LVM device header with the LVM-6 fields (format §2.1). */
export const LVM_DEVICE_HEADER = {
  ...LVM5,
  mdAlignment: [0xca, 'u32'],
  /** Size of this device's PEs in 256 MiB units (3 on the sample). */
  pesIn256MiB: [0xce, 'u32'],
  /** 1 = VMFS-L. */
  lvmFlags: [0xd2, 'u32'],
} as const;

export const LVM_VOLUME_ENTRY = {
  ...VOL5,
  /** 1 on the sample (dissect: "consumed PEs"); written as the number of PE entries of this device. */
  consumedPes: [0x110, 'u32'],
} as const;

/** FS descriptor with the [6] tail (format §4). */
export const FS_DESCRIPTOR = {
  ...FS5,
  checksumType: [0x111, 'u8'],
  unmapPriority: [0x112, 'u16'],
  physDiskBlockSize: [0x130, 'u32'],
  mdAlignment: [0x134, 'u32'],
  sfbToLfbShift: [0x138, 'u16'],
  pointerBlockShift: [0x13e, 'u16'],
  sfbAddressBits: [0x140, 'u16'],
  tbzGranularity: [0x144, 'u32'],
  journalBlockSize: [0x148, 'u32'],
  leaseIntervalMs: [0x14c, 'u32'],
  reclaimWindowMs: [0x150, 'u32'],
} as const;

/** Resource-file header with the [6] "rfmd" part (format §6.1). */
export const RESOURCE_HEADER = {
  ...RES5,
  signature: [0x20, 'u32'],
  version: [0x24, 'u32'],
  flags: [0x28, 'u32'],
  affinityPerCluster: [0x2c, 'u16'],
  affinityPerResource: [0x2e, 'u16'],
  bitsPerResource: [0x30, 'u32'],
  childOffset: [0x34, 'u32'],
  parentRpc: [0x38, 'u32'],
  parentCpg: [0x3c, 'u32'],
  parentCgs: [0x40, 'u32'],
  convertedClusters: [0x54, 'u32'],
} as const;
export const RFMD = 0x72666d64;

/**
 * [6] cluster metadata (the second block of a cluster header, format §6.4):
 * "dmcr" at +0x10, u64 cluster number at +0x18, u16 total / free at
 * +0x20 / +0x22, 1 at +0x30 on every sample cluster, the free bitmap (bit
 * set = free) at +0x80.
 */
export const CLUSTER_METADATA = {
  signature: [0x10, 'u32'],
  clusterNumber: [0x18, 'u64'],
  totalResources: [0x20, 'u16'],
  freeResources: [0x22, 'u16'],
  one: [0x30, 'u32'],
} as const;
export const DMCR = 0x72636d64;
export const CLUSTER_BITMAP_OFFSET = 0x80;

/** FD metadata at FD + A, with the [6] fields (format §8.2). */
export const FD_METADATA = {
  ...FD5,
  numBlocks: [0x24, 'u64'],
  signature: [0x64, 'u32'],
  parentFd: [0x70, 'u32'],
  lastSfbCluster: [0x74, 'u32'],
  numLfbs: [0x8c, 'u32'],
} as const;
export const FDMD = 0x66646d64;

/** Hashed directory header, file offset 0 (format §10.2). */
export const DIR_HEADER = {
  version: [0x000, 'u32'],
  numEntries: [0x004, 'u32'],
  numAllocated: [0x008, 'u32'],
  numMapBlocks: [0x00c, 'u32'],
} as const;
export const DIR_VERSION = 0x00f50001;
export const DIR_HEADER_SIZE = 0x10000;
export const DIR_MAP_LIST = 0x010;
export const DIR_SELF_ENTRY = 0x3b8;
export const DIR_PARENT_ENTRY = 0x4d8;
export const DIR_HASH_TABLE = 0x5f8;
export const DIR_HASH_SLOTS = 16001;
export const ROOT_HASH_SLOTS = 15973;

/** 288-byte directory entry. */
export const DIR_ENTRY = {
  type: [0x00, 'u32'],
  fdAddress: [0x04, 'u32'],
  generation: [0x08, 'u32'],
  hashLow: [0x0c, 'u16'],
  hashHigh: [0x0e, 'u16'],
  offset: [0x10, 'u64'],
  name: [0x18, { str: 255 }],
} as const;
export const DIR_ENTRY_SIZE = 0x120;

/** 64-byte header of every directory block after the first (type 1 entries, 2 links, 3 map). */
export const DIR_BLOCK_HEADER = {
  version: [0x00, 'u16'],
  type: [0x02, 'u16'],
  totalSlots: [0x04, 'u16'],
  freeSlots: [0x06, 'u16'],
  bitmap: [0x08, { bytes: 56 }],
} as const;
export const DIR_BLOCK_HEADER_SIZE = 64;

/** 84-byte link group of a type-2 block: 12 links {location u32, link hash u16}. */
export const LINK_GROUP = {
  hashIndex: [0x00, 'u16'],
  totalLinks: [0x02, 'u8'],
  freeLinks: [0x03, 'u8'],
  nextFreeIndex: [0x04, 'u8'],
  nextGroup: [0x4e, 'u32'],
} as const;
export const LINK_GROUP_SIZE = 84;
export const LINKS_PER_GROUP = 12;
export const LINK_OFFSET = 0x06;
export const LINK_SIZE = 6;
