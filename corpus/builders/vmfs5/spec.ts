/** The input of buildVmfs5(): what the volume holds. Stable API (see index.ts). */
import type { Content } from './content.js';

export interface NodeBase {
  /** One path component, at most 127 UTF-8 bytes, no "/" or NUL. */
  name: string;
  /** Permission bits only (e.g. 0o644); the type comes from `type`. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Unix seconds; default: the volume's createTime. */
  mtime?: number;
  ctime?: number;
  atime?: number;
}

/** 'pb2': single indirect through pointer blocks in .pb2.sf (ZLA 5), never chosen automatically. */
export type Provisioning = 'thin' | 'thick' | 'lazy' | 'sparse';

export type Addressing = 'resident' | 'subblock' | 'direct' | 'indirect' | 'pb2' | 'double';

export interface FileNode extends NodeBase {
  type: 'file';
  /** Content from offset 0 (shorthand for `pieces: [{ offset: 0, content }]`). */
  content?: Content;
  /** Data at given offsets; every byte not covered reads as zero. Sorted, non-overlapping. */
  pieces?: Array<{ offset: number; content: Content }>;
  /** Logical length; default: the end of the last piece. */
  size?: number;
  /**
   * Block files only. thin (default): only 1 MiB blocks that hold a piece are
   * allocated, the rest are holes. thick: every block allocated and written
   * (eager-zeroed). lazy: every block allocated, blocks with no piece are
   * to-be-zeroed (TBZ) and hold stale bytes on disk that must read as zeros.
   * sparse: thin, and blocks whose bytes are all zero are holes too (a thin
   * disk imported with vmkfstools skips them; use it for host-file content).
   */
  provisioning?: Provisioning;
  /** Force an addressing mode; default: what ESXi picks for the size. */
  addressing?: Addressing;
}

export interface DirNode extends NodeBase {
  type: 'dir';
  children: TreeNode[];
}

export interface SymlinkNode extends NodeBase {
  type: 'symlink';
  target: string;
}

/** A raw device mapping file (type 6): a length and the SCSI id of the mapped LUN, no data. */
export interface RdmNode extends NodeBase {
  type: 'rdm';
  size: number;
  lunId: string;
}

export type TreeNode = FileNode | DirNode | SymlinkNode | RdmNode;

export interface DeviceSpec {
  /** 256 MiB physical extents on this device (default 1). */
  pes?: number;
  /** Text of the SCSI id in the LVM header (ESXi: "vmhba0:4:0"). */
  scsiId?: string;
  /** Device name in the SD table (ESXi: "mpx.vmhba0:C0:T4:L0:1"). */
  sdName?: string;
}

export interface VolumeSpec {
  label: string;
  /** Unix seconds of the format; the first field of every UUID, the default for every time. */
  createTime: number;
  /** Makes the UUIDs of different volumes differ (fixed, so builds are reproducible). */
  uuidSeed: number;
  /** One entry per LUN image; two or more = a spanned volume. Default: one device, one PE. */
  devices?: DeviceSpec[];
  /** What is in front of the VMFS partition on each LUN image (default "none": a bare partition). */
  partitionTable?: 'none' | 'gpt' | 'mbr';
  /** Root directory's mtime (default createTime). */
  rootMtime?: number;
  /** Children of the root, created in this order (FD numbers and directory slots follow it). */
  root: TreeNode[];
  /**
   * Bytes left behind in file blocks the bitmap (.fbb.sf) marks free — what a deleted VM's
   * descriptor or sparse header looks like on a real datastore. `fromEnd` counts blocks back
   * from the volume's last block (0 = the last one); `offset` is the byte offset inside it.
   * The build fails if such a block is in use.
   */
  residue?: Array<{ fromEnd: number; offset?: number; content: Content }>;
}
