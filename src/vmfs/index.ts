/**
 * Public face of the VMFS layer. CONTRACT (other layers rely on these
 * signatures; the implementation lives in the other files of src/vmfs/).
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';
import { VmfskitError } from '../errors.js';

export type VmfsFileType = 'file' | 'dir' | 'symlink' | 'rdm' | 'system' | 'other';

export interface VmfsStat {
  name: string;
  path: string;
  type: VmfsFileType;
  /** POSIX mode bits including the file type bits (S_IFREG ...), as vmfs-tools shows them. */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** Bytes of blocks actually allocated (thin files: less than size). */
  allocated: number;
  /** Epoch seconds. */
  mtime: number;
  atime: number;
  ctime: number;
  /** FD address (inode number) and anything else `stat` shows. */
  fdAddress: number;
  symlinkTarget?: string;
  details?: Record<string, unknown>;
}

export interface VmfsVolume {
  readonly label: string;
  readonly uuid: string;
  /** Address prefix for messages, e.g. "lun.img::". */
  readonly address: string;
  info(): Record<string, unknown>;
  stat(path: string): Promise<VmfsStat>;
  /** Entries of a directory, without "." and "..". */
  readdir(path: string): Promise<VmfsStat[]>;
  readlink(path: string): Promise<string>;
  /** The file's bytes as a device (holes/TBZ read as zeros and map as `zero`). */
  openFile(path: string): Promise<BlockDevice>;
  /** Resolver for VMDK extents and parents inside the directory `dirPath`. */
  resolver(dirPath: string): Resolver;
  close(): Promise<void>;
}

export interface VmfsOpenOptions {
  /** 1-based partition number when the LUN holds several VMFS partitions. */
  partition?: number;
  /** Other LUN images/devices of a spanned datastore. */
  extents?: BlockDevice[];
}

/** True when `dev` (a whole LUN, or a bare partition) holds a VMFS volume. */
export async function sniffVmfs(dev: BlockDevice): Promise<boolean> {
  void dev;
  return false;
}

/** Find the VMFS partition on `lun` (GPT, MBR or bare) and open the volume. */
export async function openVmfs(lun: BlockDevice, address: string, opts: VmfsOpenOptions = {}): Promise<VmfsVolume> {
  void opts;
  void address;
  throw new VmfskitError('UNSUPPORTED', 'VMFS reading is not implemented yet', { file: lun.name });
}
