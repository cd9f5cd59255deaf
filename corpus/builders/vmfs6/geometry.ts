/**
 * The fixed geometry of a new VMFS-6 volume as ESXi makes it, read on the
 * ESXi sample esxi-vmfs6-small.bin.gz (LVM 6.21, FS 24.82, mdAlignment 4096,
 * 1 MiB small file blocks, 512 MiB large file blocks, 64 KiB sub-blocks and
 * pointer blocks), the resource-file arithmetic of format §6.2 / §6.4 and
 * the 64-bit address encodings of §7.2–§7.6.
 */

export const MiB = 1 << 20;
export const PE_SIZE = 256 * MiB;
export const LVM_HEADER_OFFSET = 0x100000;
export const LVM_DATA_OFFSET = 0x1100000;
/** Metadata alignment A (format §2.1 +0xCA, §4 +0x134): every metadata block is A bytes. */
export const MD = 4096;
export const FS_DESCRIPTOR_OFFSET = 0x200000;
export const HEARTBEAT_OFFSET = 0x300000;
/** [6] heartbeats: 1024 slots of A bytes (format §3, §13). */
export const HEARTBEAT_SLOTS = 1024;
export const SFB = MiB;
/** sfbToLfbShift 9 (format §4 +0x138): LFB = 512 MiB. */
export const LFB_SHIFT = 9;
export const LFB = SFB << LFB_SHIFT;
export const SFBS_PER_LFB = 1 << LFB_SHIFT;
export const SUB_BLOCK = 64 * 1024;
export const PB_SIZE = 64 * 1024;
/** u64 entries of a 64 KiB pointer block (format §9.1, k = 13). */
export const PB_ADDRS = PB_SIZE / 8;
/** FD = 2A: lock block, metadata at A, resident data at A + 512, 320 × u64 at 2A − 2560 (format §8.1). */
export const FD_SIZE = 2 * MD;
export const FD_ADDRS = 320;
export const FD_ARRAY_OFFSET = FD_SIZE - FD_ADDRS * 8;
export const RESIDENT_OFFSET = MD + 512;
export const RESIDENT_MAX = MD - 512;
/** .vh.sf = volume blocks 0 … 6: floor((A × 1024 + 4 MiB − 1) / 1 MiB) (format §5.2). */
export const VH_BLOCKS = Math.floor((MD * 1024 + 4 * MiB - 1) / MiB);
/** A cluster header is a lock block and a metadata block, 2A (format §6.2). */
export const CLUSTER_HEADER = 2 * MD;
export const CLUSTER_GROUP_OFFSET = 0x10000;

export const ZLA = { resident: 0x10d1, direct: 1, subblock: 2, indirect: 3, pb2: 5, double: 0x10d0 } as const;
export const FD_TYPE = { dir: 2, file: 3, symlink: 4, system: 5, rdm: 6 } as const;

/**
 * Lock-block magics of FDs and cluster headers. 0x10C00001 FD and the [5]
 * values for FBB(SFB)/SBC/PBC/FDC/PB2 are shared with VMFS-5; JBC 0x10C00007
 * and LFB 0x10C00008 read on the [6] sample.
 */
export const LOCK_MAGIC = { fd: 0x10c00001, sfb: 0x10c00002, sbc: 0x10c00003, pbc: 0x10c00004, fdc: 0x10c00005, pb2: 0x10c00006, jbc: 0x10c00007, lfb: 0x10c00008 } as const;

export interface ResourceGeometry {
  rpc: number;
  cpg: number;
  rsz: number;
  lock: keyof typeof LOCK_MAGIC;
  /** [6] header fields +0x28 flags, +0x2C affinity u16 pair, +0x30 bits per resource (values of the sample). */
  flags: number;
  affinity: [number, number];
  bitsPerResource: number;
}

/** Resource-file parameters of the ESXi sample (format §6.1 table, [6] column, and the bytes at +0x20…+0x33). */
export const RESOURCES = {
  fdc: { rpc: 256, cpg: 8, rsz: FD_SIZE, lock: 'fdc', flags: 4, affinity: [0x100, 1], bitsPerResource: 1 },
  sbc: { rpc: 256, cpg: 8, rsz: SUB_BLOCK, lock: 'sbc', flags: 4, affinity: [0x100, 1], bitsPerResource: 1 },
  pbc: { rpc: 0, cpg: 8, rsz: PB_SIZE, lock: 'pbc', flags: 4, affinity: [0, 1], bitsPerResource: 1 },
  pb2: { rpc: 32, cpg: 8, rsz: PB_SIZE, lock: 'pb2', flags: 4, affinity: [0x20, 1], bitsPerResource: 1 },
  jbc: { rpc: 8, cpg: 4, rsz: 2 * MiB, lock: 'jbc', flags: 0, affinity: [8, 1], bitsPerResource: 1 },
  /** .fbb.sf LFB level: one 8 KiB resource per LFB, which holds part of the SFB level's clusters (§6.4). */
  lfb: { rpc: 16, cpg: 8, rsz: 8192, lock: 'lfb', flags: 0x35, affinity: [0x348, 0x34], bitsPerResource: 3 },
  /** .fbb.sf SFB level (child header at +0x1000): bitmap only. */
  sfb: { rpc: SFBS_PER_LFB, cpg: 8, rsz: 0, lock: 'sfb', flags: 0x2a, affinity: [0xd8, 1], bitsPerResource: 2 },
} as const satisfies Record<string, ResourceGeometry>;

/** Offset of the SFB-level header inside .fbb.sf (format §6.4, CONFIRMED 0x1000). */
export const SFB_CHILD_OFFSET = 0x1000;

export function clusterGroupSize(g: ResourceGeometry): number {
  return g.cpg * CLUSTER_HEADER + g.cpg * g.rpc * g.rsz;
}

/** File offset of resource n (cluster-major) inside its resource file (format §6.2). */
export function resourceOffset(g: ResourceGeometry, n: number): number {
  const c = Math.floor(n / g.rpc);
  const r = n % g.rpc;
  return CLUSTER_GROUP_OFFSET + Math.floor(c / g.cpg) * clusterGroupSize(g) + g.cpg * CLUSTER_HEADER + (c % g.cpg) * g.rpc * g.rsz + r * g.rsz;
}

/** File offset of the header of cluster c. */
export function clusterHeaderOffset(g: ResourceGeometry, c: number): number {
  return CLUSTER_GROUP_OFFSET + Math.floor(c / g.cpg) * clusterGroupSize(g) + (c % g.cpg) * CLUSTER_HEADER;
}

/** Child (SFB-level) cluster group g inside .fbb.sf: nested in the LFB level's resources (format §6.4). */
export function sfbGroupOffset(g: number): number {
  const p = RESOURCES.lfb;
  const per = (p.cpg * p.rpc) / RESOURCES.sfb.cpg;
  return CLUSTER_GROUP_OFFSET + Math.floor(g / per) * clusterGroupSize(p) + p.cpg * CLUSTER_HEADER + (g % per) * RESOURCES.sfb.cpg * CLUSTER_HEADER;
}

export function sfbClusterHeaderOffset(c: number): number {
  return sfbGroupOffset(Math.floor(c / RESOURCES.sfb.cpg)) + (c % RESOURCES.sfb.cpg) * CLUSTER_HEADER;
}

/** Bytes of a resource file holding `count` resources (ESXi sizes it to the last resource). */
export function resourceFileLength(g: ResourceGeometry, count: number): number {
  if (count === 0) return CLUSTER_GROUP_OFFSET;
  return resourceOffset(g, count - 1) + g.rsz;
}

/** The most resources of `g` that fit in `bytes` of resource file. */
export function resourcesFitting(g: ResourceGeometry, bytes: number): number {
  let lo = 0;
  let hi = Math.floor(bytes / g.rsz) + 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (resourceFileLength(g, mid) <= bytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function check(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new Error(`${what} ${value} does not fit ${bits} bits`);
}

/** FD address (32-bit also on [6]): cluster bits 6–21, resource bits 22–31 (format §7.6). */
export function fdAddress(index: number): number {
  const c = Math.floor(index / RESOURCES.fdc.rpc);
  check(c, 16, 'FD cluster');
  return (((index % RESOURCES.fdc.rpc) << 22) | (c << 6) | 4) >>> 0;
}

/** SFB: type 1, TBZ bitmap bits 7–14, cluster bits 15–45, resource bits 51–63 (format §7.2). */
export function sfbAddress(block: number, tbz = 0): bigint {
  const c = Math.floor(block / SFBS_PER_LFB);
  check(c, 31, 'SFB cluster');
  return (BigInt(block % SFBS_PER_LFB) << 51n) | (BigInt(c) << 15n) | (BigInt(tbz & 0xff) << 7n) | 1n;
}

/** LFB: type 7, TBZ bits 7–14, block number bits 15–45 (format §7.3). */
export function lfbAddress(block: number, tbz = 0): bigint {
  check(block, 31, 'LFB');
  return (BigInt(block) << 15n) | (BigInt(tbz & 0xff) << 7n) | 7n;
}

/** SB (type 2) and PB2 (type 5): cluster bits 6–41, resource bits 56–63 (format §7.4, §7.5). */
function clusterResourceAddress(type: number, index: number, rpc: number): bigint {
  const c = Math.floor(index / rpc);
  check(c, 36, 'cluster');
  return (BigInt(index % rpc) << 56n) | (BigInt(c) << 6n) | BigInt(type);
}

export const sbAddress = (index: number): bigint => clusterResourceAddress(2, index, RESOURCES.sbc.rpc);
export const pb2Address = (index: number): bigint => clusterResourceAddress(5, index, RESOURCES.pb2.rpc);
