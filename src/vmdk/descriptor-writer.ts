/**
 * The descriptor text VMware writes for a disk (vmdk-format §1), for the
 * files whose descriptor was lost: header, one extent line, the DDB. Shapes
 * as ESXi writes them (the ESXi-made vmfs_thick.vmdk / -000001.vmdk in the
 * shared corpus): a base disk carries adapterType, geometry and
 * longContentID; a snapshot descriptor only longContentID.
 */

export type WrittenCreateType = 'vmfs' | 'monolithicFlat' | 'vmfsSparse' | 'seSparse';

const EXTENT_TYPE: Record<WrittenCreateType, string> = { vmfs: 'VMFS', monolithicFlat: 'FLAT', vmfsSparse: 'VMFSSPARSE', seSparse: 'SESPARSE' };

export interface DescriptorSpec {
  createType: WrittenCreateType;
  sectors: number;
  /** The extent file's name, relative to where the descriptor will lie. */
  extentFile: string;
  cid: number;
  /** With a parent: its CID and the hint (relative path) to it. */
  parent?: { cid: number; hint: string };
  /**
   * Comment lines, written last: qemu finds the CID by the first "CID" anywhere in the text
   * (a comment above CID= that names it made qemu read a wrong CID and fail every read), so
   * they go after everything it parses and must not contain "CID".
   */
  comments?: string[];
}

/**
 * BIOS geometry as ESXi writes it for SCSI disks: 64 heads × 32 sectors up
 * to 1 GiB (vmfs_thick.vmdk, 4096 sectors: 2/64/32), 255 × 63 above. The
 * geometry is informational: the size is the extent line's.
 */
export function esxiGeometry(sectors: number): { cylinders: number; heads: number; sectors: number } {
  const [heads, spt] = sectors <= 2 * 1024 * 1024 ? [64, 32] : [255, 63];
  return { cylinders: Math.max(1, Math.floor(sectors / (heads * spt))), heads, sectors: spt };
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function descriptorFor(d: DescriptorSpec, longIdPrefix: string): string {
  const base = d.createType === 'vmfs' || d.createType === 'monolithicFlat';
  if (d.comments?.some((c) => /CID/i.test(c))) throw new RangeError('descriptor comments must not contain "CID"');
  const lines = ['# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', `CID=${hex8(d.cid)}`, `parentCID=${d.parent ? hex8(d.parent.cid) : 'ffffffff'}`, 'isNativeSnapshot="no"', `createType="${d.createType}"`];
  if (d.parent) lines.push(`parentFileNameHint="${d.parent.hint}"`);
  // qemu requires the sector offset on FLAT lines and refuses it on VMFS lines (vmdk-format §1.4).
  const offset = d.createType === 'monolithicFlat' ? ' 0' : '';
  lines.push('', '# Extent description', `RW ${d.sectors} ${EXTENT_TYPE[d.createType]} "${d.extentFile}"${offset}`, '', '# The Disk Data Base', '#DDB', '');
  if (base) {
    const g = esxiGeometry(d.sectors);
    lines.push('ddb.adapterType = "lsilogic"', `ddb.geometry.cylinders = "${g.cylinders}"`, `ddb.geometry.heads = "${g.heads}"`, `ddb.geometry.sectors = "${g.sectors}"`);
  }
  lines.push(`ddb.longContentID = "${longIdPrefix}${hex8(d.cid)}"`);
  for (const c of d.comments ?? []) lines.push(`# ${c}`);
  return lines.join('\n') + '\n';
}
