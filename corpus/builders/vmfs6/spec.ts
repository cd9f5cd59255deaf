/** The input of buildVmfs6(): what the volume holds. Shares the node shapes of the VMFS-5 builder. */
import type { Content } from '../vmfs5/content.js';
import type { DeviceSpec, NodeBase, Provisioning, RdmNode, SymlinkNode } from '../vmfs5/spec.js';

export type { Content, Provisioning, RdmNode, SymlinkNode };

export interface DeviceSpec6 extends DeviceSpec {
  /** Bytes of the partition when it is larger than the volume's PEs need (the sample: 1 GiB − 1 MiB for 3 PEs); the LVM header records it. */
  partitionBytes?: number;
}

export type Addressing6 = 'resident' | 'subblock' | 'direct' | 'indirect' | 'double';

/**
 * Which file blocks back a block-mapped file (format §7.2, §7.3, §9.4):
 * - sfb: 1 MiB small file blocks, one FD/PB entry per MiB (thin files; ESXi's default);
 * - lfb: 512 MiB large file blocks only, one entry per 512 MiB (FD block size 512 MiB);
 * - mixed: LFBs for every whole 512 MiB of the file, SFBs for the tail. The array
 *   is then in 1 MiB units and an LFB's address fills the 512 entries it covers
 *   (what dissect's resolver reads correctly: entry = offset >> 20, offset in an
 *   LFB = offset mod 512 MiB). No real image shows a mixed file (§16): a guess.
 */
export type BlockKind = 'sfb' | 'lfb' | 'mixed';

export interface FileNode6 extends NodeBase {
  type: 'file';
  content?: Content;
  pieces?: Array<{ offset: number; content: Content }>;
  size?: number;
  provisioning?: Provisioning;
  addressing?: Addressing6;
  blocks?: BlockKind;
  /** Pointer blocks (ZLA 3 / 0x10D0) as 64 KiB sub-blocks (type 2, default) or in .pb2.sf (type 5). */
  pointerBlocks?: 'subblock' | 'pb2';
}

export interface DirNode6 extends NodeBase {
  type: 'dir';
  children: TreeNode6[];
}

export type TreeNode6 = FileNode6 | DirNode6 | SymlinkNode | RdmNode;

export interface VolumeSpec6 {
  label: string;
  createTime: number;
  uuidSeed: number;
  devices?: DeviceSpec6[];
  /** VMFS-L (ESXi 7+ OSDATA): FS magic 0x2FABF15F, LVM flags 1, config 0x800 (format §2.1, §4). */
  vmfsL?: boolean;
  rootMtime?: number;
  /** SFBs of .sbc.sf (default: the rest of the volume after the other system files, at most 370 — the sample's figure). */
  sbcBlocks?: number;
  root: TreeNode6[];
}
