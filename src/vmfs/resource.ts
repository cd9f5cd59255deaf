/**
 * Resource files (.fdc .sbc .pbc .pb2 .fbb): pools of equal-sized
 * resources in clusters and cluster groups, read through the resource
 * file's own block map (vmfs-format.md §6).
 */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import { decode, type Struct } from '../partition/binary-struct.js';

/** Resource file header at file offset 0 (§6.1). */
export const RESOURCE_HEADER = {
  perCluster: [0x00, 'u32'],
  clustersPerGroup: [0x04, 'u32'],
  groupOffset: [0x08, 'u32'],
  resourceSize: [0x0c, 'u32'],
  groupSize: [0x10, 'u32'],
  countLow: [0x14, 'u32'],
  groups: [0x18, 'u32'],
  countHigh: [0x1c, 'u32'],
} as const;

/** Cluster metadata block, after the 512-byte lock block of each cluster header (§6.3). */
const CLUSTER_META = {
  cluster: [0x00, 'u32'],
  total: [0x04, 'u32'],
  free: [0x08, 'u32'],
  /** One bit per resource of the cluster, bit set = free (§6.3). */
  bitmap: [0x10, 'bytes:64'],
} as const;

/** [3][5]: a cluster header is a 512-byte lock block plus a 512-byte metadata block. */
const CLUSTER_HEADER_V5 = 1024;
/** Real volumes have 16–512 resources per cluster. */
const MAX_PER_CLUSTER = 8192;

export type ResourceHeader = Struct<typeof RESOURCE_HEADER> & { count: number };

export class Resource {
  private constructor(
    readonly name: string,
    readonly file: BlockDevice,
    readonly h: ResourceHeader,
    /** Bytes of one cluster header: 1024 on [3][5], 2 × mdAlignment on [6] (§6.2, §6.4). */
    private readonly clusterHeader: number,
  ) {}

  /** Read and check the header: every later offset is computed from it. */
  static async open(name: string, file: BlockDevice, where: ErrorWhere, clusterHeader: number): Promise<Resource> {
    if (file.size < 32) throw new VmfskitError('CORRUPT', `resource file is only ${file.size} bytes long`, { ...where, structure: `${name} resource header` });
    const buf = Buffer.alloc(32);
    await file.read(buf, 0);
    const raw = decode(RESOURCE_HEADER, buf);
    const h: ResourceHeader = { ...raw, count: raw.countHigh * 2 ** 32 + raw.countLow };
    const bad = (p: string) => new VmfskitError('CORRUPT', p, { ...where, structure: `${name} resource header` });
    if (h.clustersPerGroup < 1 || h.clustersPerGroup > 65536) throw bad(`clusters per group ${h.clustersPerGroup} is out of range`);
    if (h.perCluster > MAX_PER_CLUSTER) throw bad(`resources per cluster ${h.perCluster} is out of range`);
    if (h.resourceSize > 1 << 24) throw bad(`resource size ${h.resourceSize} is out of range`);
    const expected = h.clustersPerGroup * clusterHeader + h.clustersPerGroup * h.perCluster * h.resourceSize;
    if (h.resourceSize > 0 && h.groupSize !== expected) throw bad(`cluster group size ${h.groupSize} ≠ ${expected} (clusters × (header + resources))`);
    if (h.count > h.groups * h.clustersPerGroup * h.perCluster) throw bad(`${h.count} resources do not fit ${h.groups} cluster groups`);
    return new Resource(name, file, h, clusterHeader);
  }

  /** File offset of resource r of cluster c (§6.2), checked against the header and the file length. */
  offsetOf(cluster: number, resource: number, where: ErrorWhere | (() => ErrorWhere)): number {
    const h = this.h;
    // A listing asks this once per entry: the error coordinates are only built when there is an error.
    const fail = (p: string) => new VmfskitError('CORRUPT', `${p} — outside ${this.name}`, typeof where === 'function' ? where() : where);
    if (resource >= h.perCluster) throw fail(`resource ${resource} of cluster ${cluster} ≥ ${h.perCluster} resources per cluster`);
    if (cluster * h.perCluster + resource >= h.count) throw fail(`cluster ${cluster} resource ${resource} is beyond the ${h.count} resources`);
    const off =
      h.groupOffset +
      Math.floor(cluster / h.clustersPerGroup) * h.groupSize +
      h.clustersPerGroup * this.clusterHeader +
      (cluster % h.clustersPerGroup) * h.perCluster * h.resourceSize +
      resource * h.resourceSize;
    if (off + h.resourceSize > this.file.size) throw fail(`cluster ${cluster} resource ${resource} at byte ${off} is past the end of the file (${this.file.size} bytes)`);
    return off;
  }

  /** Read one whole resource into `buf` (length = resource size). */
  async read(cluster: number, resource: number, buf: Buffer, where: ErrorWhere): Promise<void> {
    await this.file.read(buf, this.offsetOf(cluster, resource, where));
  }

  /** Allocation counts from the [3][5] cluster metadata (bitmap files like .fbb.sf; `info` only). */
  async usage(): Promise<{ total: number; free: number }> {
    const h = this.h;
    let total = 0;
    let free = 0;
    const hdrBytes = h.clustersPerGroup * CLUSTER_HEADER_V5;
    const buf = Buffer.alloc(hdrBytes);
    for (let g = 0; g < h.groups; g++) {
      const off = h.groupOffset + g * h.groupSize;
      if (off + hdrBytes > this.file.size) break;
      await this.file.read(buf, off);
      for (let c = 0; c < h.clustersPerGroup; c++) {
        const m = decode(CLUSTER_META, buf, c * CLUSTER_HEADER_V5 + 512);
        if (m.total > h.perCluster || m.free > m.total) continue;
        total += m.total;
        free += m.free;
      }
    }
    return { total: Math.min(total, h.count), free: Math.min(free, h.count) };
  }

  /**
   * Per-resource allocation from the cluster bitmaps (§6.3): `free[r]` is 1 when
   * resource r (for `.fbb.sf`: file block r) is marked free. A cluster whose metadata
   * is out of range (total above rpc, free above total) is reported in `unreadable`
   * and its resources counted as used: free space is never invented.
   */
  async freeMap(): Promise<{ free: Uint8Array; unreadable: number[] }> {
    const h = this.h;
    const free = new Uint8Array(h.count);
    const unreadable: number[] = [];
    const hdrBytes = h.clustersPerGroup * CLUSTER_HEADER_V5;
    const buf = Buffer.alloc(hdrBytes);
    const clusters = Math.ceil(h.count / Math.max(1, h.perCluster));
    for (let g = 0; g * h.clustersPerGroup < clusters; g++) {
      const off = h.groupOffset + g * h.groupSize;
      if (off + hdrBytes > this.file.size) {
        for (let c = g * h.clustersPerGroup; c < clusters; c++) unreadable.push(c);
        break;
      }
      await this.file.read(buf, off);
      for (let i = 0; i < h.clustersPerGroup; i++) {
        const c = g * h.clustersPerGroup + i;
        if (c >= clusters) break;
        const m = decode(CLUSTER_META, buf, i * CLUSTER_HEADER_V5 + 512);
        const first = c * h.perCluster;
        const total = Math.min(h.perCluster, h.count - first);
        if (m.total > h.perCluster || m.free > m.total || m.bitmap.length * 8 < total) {
          unreadable.push(c);
          continue;
        }
        for (let r = 0; r < total; r++) if (m.bitmap[r >> 3]! & (1 << (r & 7))) free[first + r] = 1;
      }
    }
    return { free, unreadable };
  }
}
