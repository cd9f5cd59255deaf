/** The file system descriptor ("superblock") at volume offset 0x200000 (vmfs-format.md §4). */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { decode, type Struct } from '../partition/binary-struct.js';
import { FS_DESCRIPTOR_OFFSET, FS_MAGIC, FS_MAGIC_L } from '../partition/index.js';

export const FS_DESCRIPTOR = {
  magic: [0x00, 'u32'],
  major: [0x04, 'u32'],
  minor: [0x08, 'u8'],
  uuid: [0x09, 'uuid16'],
  config: [0x19, 'u32'],
  label: [0x1d, 'cstr:128'],
  diskBlockSize: [0x9d, 'u32'],
  blockSize: [0xa1, 'u64'],
  createdS: [0xa9, 'u32'],
  snapshotId: [0xad, 'u32'],
  lvUuid: [0xb1, 'uuid16'],
  fdcGroupOffset: [0xd1, 'u32'],
  fdcClustersPerGroup: [0xd5, 'u32'],
  subBlockSize: [0xd9, 'u32'],
  pb2FdOffset: [0xe1, 'u64'],
  pb2FdAddress: [0xe9, 'u32'],
  sddFdOffset: [0x105, 'u64'],
  sddFdAddress: [0x10d, 'u32'],
  // [6] only (0 on [3][5]), §4.
  physicalBlockSize: [0x130, 'u32'],
  mdAlignment: [0x134, 'u32'],
  sfbToLfbShift: [0x138, 'u16'],
  pointerBlockShift: [0x13e, 'u16'],
  sfbAddressBits: [0x140, 'u16'],
  tbzGranularity: [0x144, 'u32'],
  journalBlockSize: [0x148, 'u32'],
} as const;

export type FsDescriptor = Struct<typeof FS_DESCRIPTOR> & {
  dense: boolean;
  version: string;
  /** Magic 0x2FABF15F: VMFS-L, the ESXi 7+ OSDATA variant ("same on-disk layout", vmfs-anchors.md). */
  local: boolean;
  /** §0: FS major ≥ 24 has the VMFS-6 structures (dissect's rule). */
  vmfs6: boolean;
};

/** §0: majors from 24 on are VMFS-6. */
export const VMFS6_MAJOR = 24;

/** Config bit 0x4: dense sub-block addresses, system FDs all in FDC cluster 0 (§4, §7.4). */
const CONFIG_DENSE = 0x4;

const isPow2 = (n: number) => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Read and validate the descriptor; `at` turns a volume offset into error coordinates. */
export async function readDescriptor(volume: BlockDevice, at: (off: number) => { file: string; offset: number }): Promise<FsDescriptor> {
  const off = FS_DESCRIPTOR_OFFSET;
  const w = (field: number) => ({ ...at(off + field), structure: 'FS descriptor' });
  if (volume.size < off + 512) throw new VmfskitError('TRUNCATED', `the logical volume (${volume.size} bytes) ends before the FS descriptor`, w(0));
  const buf = Buffer.alloc(512);
  await volume.read(buf, off);
  const d = decode(FS_DESCRIPTOR, buf);
  if (d.magic !== FS_MAGIC && d.magic !== FS_MAGIC_L) throw new VmfskitError('BAD_MAGIC', `bad magic 0x${d.magic.toString(16)} (expected 0x2fabf15e)`, w(0));
  if (d.major < 3) throw new VmfskitError('UNSUPPORTED', `file system version ${d.major}.${d.minor} is not known`, w(4));
  // 1 MiB on new VMFS-5; 1–8 MiB on VMFS-3 and upgraded volumes. Anything past 256 MiB is not a block size.
  if (!isPow2(d.blockSize) || d.blockSize < 65536 || d.blockSize > 1 << 28) throw new VmfskitError('CORRUPT', `file block size ${d.blockSize} is not a power of two in 64 KiB–256 MiB`, w(0xa1));
  if (!isPow2(d.subBlockSize) || d.subBlockSize < 512 || d.subBlockSize > d.blockSize) throw new VmfskitError('CORRUPT', `sub-block size ${d.subBlockSize} is not a power of two in 512 B–block size`, w(0xd9));
  if (d.fdcClustersPerGroup < 1 || d.fdcClustersPerGroup > 4096) throw new VmfskitError('CORRUPT', `FDC clusters per group ${d.fdcClustersPerGroup} is out of range`, w(0xd5));
  if (d.fdcGroupOffset > 1 << 24) throw new VmfskitError('CORRUPT', `FDC cluster group offset ${d.fdcGroupOffset} is out of range`, w(0xd1));
  const vmfs6 = d.major >= VMFS6_MAJOR;
  if (vmfs6) {
    // §4 0x130–0x148: the fields a VMFS-6 reader sizes its structures by. Only mdAlignment 4096 is on a real
    // image here; the larger ones follow dissect's formulas (§8.1, §9.1).
    if (!isPow2(d.mdAlignment) || d.mdAlignment < 4096 || d.mdAlignment > 1 << 16) throw new VmfskitError('CORRUPT', `metadata alignment ${d.mdAlignment} is not a power of two in 4 KiB–64 KiB`, w(0x134));
    if (d.sfbToLfbShift > 12 || d.blockSize * 2 ** d.sfbToLfbShift > 2 ** 40) throw new VmfskitError('CORRUPT', `small-to-large file block shift ${d.sfbToLfbShift} is out of range`, w(0x138));
    if (d.pointerBlockShift !== 0 && (d.pointerBlockShift < 12 || d.pointerBlockShift > 20)) throw new VmfskitError('CORRUPT', `pointer-block shift ${d.pointerBlockShift} is out of range (12–20)`, w(0x13e));
    if (d.subBlockSize < 4096) throw new VmfskitError('CORRUPT', `sub-block size ${d.subBlockSize} is below 4 KiB`, w(0xd9));
  }
  return { ...d, dense: (d.config & CONFIG_DENSE) !== 0, version: `${d.major}.${d.minor}`, local: d.magic === FS_MAGIC_L, vmfs6 };
}
