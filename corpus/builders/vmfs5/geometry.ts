/**
 * The fixed geometry of a new VMFS-5 volume as ESXi makes it (values read on
 * the ESXi sample, format §2–§7), resource-file arithmetic and the 32-bit
 * address encodings.
 */

export const MiB = 1 << 20;
export const PE_SIZE = 256 * MiB;
export const LVM_HEADER_OFFSET = 0x100000;
export const LVM_DATA_OFFSET = 0x1100000;
export const FS_DESCRIPTOR_OFFSET = 0x200000;
export const HEARTBEAT_OFFSET = 0x300000;
export const HEARTBEAT_SLOTS = 2048;
export const FILE_BLOCK = MiB;
export const SUB_BLOCK = 8192;
export const FD_SIZE = 2048;
export const RESIDENT_MAX = 1024;
/** u32 addresses in an FD (256) and in a 4 KiB pointer block (1024). */
export const FD_ADDRS = 256;
export const PB_ADDRS = 1024;
/** .vh.sf owns blocks 0–3; .fdc.sf must start at 4 MiB (format §5.2). */
export const VH_BLOCKS = 4;
export const CLUSTER_HEADER = 1024;
export const CLUSTER_GROUP_OFFSET = 0x10000;

export const ZLA = { resident: 0x10d1, direct: 1, subblock: 2, indirect: 3, pb2: 5, double: 0x10d0 } as const;
export const FD_TYPE = { dir: 2, file: 3, symlink: 4, system: 5, rdm: 6 } as const;

/** Lock-block magics of FDs and of each resource file's cluster headers (format §6.3). */
export const LOCK_MAGIC = { fd: 0x10c00001, fbb: 0x10c00002, sbc: 0x10c00003, pbc: 0x10c00004, fdc: 0x10c00005, pb2: 0x10c00006 } as const;

export interface ResourceGeometry {
  rpc: number;
  cpg: number;
  rsz: number;
  /** Which lock magic its cluster headers carry. */
  lock: keyof typeof LOCK_MAGIC;
}

/** Resource-file parameters of the ESXi sample (format §6.1 table, [5] column). */
export const RESOURCES = {
  fbb: { rpc: 200, cpg: 64, rsz: 0, lock: 'fbb' },
  fdc: { rpc: 32, cpg: 64, rsz: FD_SIZE, lock: 'fdc' },
  pbc: { rpc: 16, cpg: 64, rsz: 4096, lock: 'pbc' },
  sbc: { rpc: 32, cpg: 64, rsz: SUB_BLOCK, lock: 'sbc' },
  pb2: { rpc: 16, cpg: 64, rsz: 4096, lock: 'pb2' },
} as const satisfies Record<string, ResourceGeometry>;

export function clusterGroupSize(g: ResourceGeometry): number {
  return g.cpg * CLUSTER_HEADER + g.cpg * g.rpc * g.rsz;
}

/** File offset of resource n (0-based, cluster-major) inside its resource file (format §6.2). */
export function resourceOffset(g: ResourceGeometry, n: number): number {
  const c = Math.floor(n / g.rpc);
  const r = n % g.rpc;
  return CLUSTER_GROUP_OFFSET + Math.floor(c / g.cpg) * clusterGroupSize(g) + g.cpg * CLUSTER_HEADER + (c % g.cpg) * g.rpc * g.rsz + r * g.rsz;
}

/** File offset of the header of cluster c. */
export function clusterHeaderOffset(g: ResourceGeometry, c: number): number {
  return CLUSTER_GROUP_OFFSET + Math.floor(c / g.cpg) * clusterGroupSize(g) + (c % g.cpg) * CLUSTER_HEADER;
}

/** Bytes of a resource file holding `count` resources (ESXi sizes it to the last resource). */
export function resourceFileLength(g: ResourceGeometry, count: number): number {
  if (g.rsz === 0) return CLUSTER_GROUP_OFFSET + Math.ceil(count / g.rpc / g.cpg) * clusterGroupSize(g);
  return resourceOffset(g, count - 1) + g.rsz;
}

function check(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new Error(`${what} ${value} does not fit ${bits} bits`);
}

/** FD address: cluster bits 6–21, resource bits 22–31 (format §7.6). */
export function fdAddress(index: number): number {
  const c = Math.floor(index / RESOURCES.fdc.rpc);
  check(c, 16, 'FD cluster');
  return ((((index % RESOURCES.fdc.rpc) << 22) | (c << 6) | 4) >>> 0);
}

/** FB address: block bits 6–31, bit 5 = to-be-zeroed (format §7.1). */
export function fbAddress(block: number, tbz = false): number {
  check(block, 26, 'file block');
  return (((block << 6) | (tbz ? 0x20 : 0) | 1) >>> 0);
}

/** SB address with dense resource bits: resource low 4 bits at 28–31, high 2 at 3–4 (format §7.4). */
export function sbAddress(index: number): number {
  const c = Math.floor(index / RESOURCES.sbc.rpc);
  const r = index % RESOURCES.sbc.rpc;
  check(c, 22, 'sub-block cluster');
  return ((((r & 0xf) << 28) | ((r >> 4) << 3) | (c << 6) | 2) >>> 0);
}

/** PB address: cluster bits 6–27, resource bits 28–31; type 3 in .pbc.sf, type 5 in .pb2.sf (format §7.5). */
export function pbAddress(index: number, pool: 'pbc' | 'pb2' = 'pbc'): number {
  const c = Math.floor(index / RESOURCES[pool].rpc);
  check(c, 22, 'pointer-block cluster');
  return ((((index % RESOURCES[pool].rpc) << 28) | (c << 6) | (pool === 'pb2' ? 5 : 3)) >>> 0);
}

/** The 16-byte VMFS UUID: u32 seconds, u32, u16, 6-byte MAC (format §2.6). */
export function makeUuid(createTime: number, seed: number, role: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(createTime >>> 0, 0);
  b.writeUInt32LE((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(role + 1, 0x85ebca77)) >>> 0, 4);
  b.writeUInt16LE((seed * 31 + role * 7919) & 0xffff, 8);
  // 00:0c:29 is VMware's OUI, as on the sample; the rest from the seed.
  Buffer.from([0x00, 0x0c, 0x29, (seed >> 16) & 0xff, (seed >> 8) & 0xff, seed & 0xff]).copy(b, 10);
  return b;
}

export function uuidText(u: Buffer): string {
  return `${u.readUInt32LE(0).toString(16).padStart(8, '0')}-${u.readUInt32LE(4).toString(16).padStart(8, '0')}-${u.readUInt16LE(8).toString(16).padStart(4, '0')}-${u.subarray(10, 16).toString('hex')}`;
}
