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
} as const;

/** [3][5]: a cluster header is a 512-byte lock block plus a 512-byte metadata block. */
export const CLUSTER_HEADER = 1024;
/** Real volumes have 16–512 resources per cluster. */
const MAX_PER_CLUSTER = 8192;

export type ResourceHeader = Struct<typeof RESOURCE_HEADER> & { count: number };

export class Resource {
  private constructor(
    readonly name: string,
    readonly file: BlockDevice,
    readonly h: ResourceHeader,
  ) {}

  /** Read and check the header: every later offset is computed from it. */
  static async open(name: string, file: BlockDevice, where: ErrorWhere): Promise<Resource> {
    if (file.size < 32) throw new VmfskitError('CORRUPT', `resource file is only ${file.size} bytes long`, { ...where, structure: `${name} resource header` });
    const buf = Buffer.alloc(32);
    await file.read(buf, 0);
    const raw = decode(RESOURCE_HEADER, buf);
    const h: ResourceHeader = { ...raw, count: raw.countHigh * 2 ** 32 + raw.countLow };
    const bad = (p: string) => new VmfskitError('CORRUPT', p, { ...where, structure: `${name} resource header` });
    if (h.clustersPerGroup < 1 || h.clustersPerGroup > 65536) throw bad(`clusters per group ${h.clustersPerGroup} is out of range`);
    if (h.perCluster > MAX_PER_CLUSTER) throw bad(`resources per cluster ${h.perCluster} is out of range`);
    if (h.resourceSize > 1 << 24) throw bad(`resource size ${h.resourceSize} is out of range`);
    const expected = h.clustersPerGroup * CLUSTER_HEADER + h.clustersPerGroup * h.perCluster * h.resourceSize;
    if (h.resourceSize > 0 && h.groupSize !== expected) throw bad(`cluster group size ${h.groupSize} ≠ ${expected} (clusters × (header + resources))`);
    if (h.count > h.groups * h.clustersPerGroup * h.perCluster) throw bad(`${h.count} resources do not fit ${h.groups} cluster groups`);
    return new Resource(name, file, h);
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
      h.clustersPerGroup * CLUSTER_HEADER +
      (cluster % h.clustersPerGroup) * h.perCluster * h.resourceSize +
      resource * h.resourceSize;
    if (off + h.resourceSize > this.file.size) throw fail(`cluster ${cluster} resource ${resource} at byte ${off} is past the end of the file (${this.file.size} bytes)`);
    return off;
  }

  /** Read one whole resource into `buf` (length = resource size). */
  async read(cluster: number, resource: number, buf: Buffer, where: ErrorWhere): Promise<void> {
    await this.file.read(buf, this.offsetOf(cluster, resource, where));
  }

  /** Allocation counts from the cluster metadata (bitmap files like .fbb.sf; `info` only). */
  async usage(): Promise<{ total: number; free: number }> {
    const h = this.h;
    let total = 0;
    let free = 0;
    const hdrBytes = h.clustersPerGroup * CLUSTER_HEADER;
    const buf = Buffer.alloc(hdrBytes);
    for (let g = 0; g < h.groups; g++) {
      const off = h.groupOffset + g * h.groupSize;
      if (off + hdrBytes > this.file.size) break;
      await this.file.read(buf, off);
      for (let c = 0; c < h.clustersPerGroup; c++) {
        const m = decode(CLUSTER_META, buf, c * CLUSTER_HEADER + 512);
        if (m.total > h.perCluster || m.free > m.total) continue;
        total += m.total;
        free += m.free;
      }
    }
    return { total: Math.min(total, h.count), free: Math.min(free, h.count) };
  }
}
