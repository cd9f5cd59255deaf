/**
 * Public face of the VMFS layer. CONTRACT (other layers rely on these
 * signatures; the implementation lives in the other files of src/vmfs/).
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';
import { isVmfskitError } from '../errors.js';

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
  /**
   * Entries of a directory, without "." and "..". With `visit`, each entry goes to it as it is
   * decoded and none is kept (the answer is empty): a folder of 10 000 files is listed without
   * 10 000 stats alive at once, whose garbage collection cost more than their decoding.
   */
  readdir(path: string, visit?: (st: VmfsStat) => void): Promise<VmfsStat[]>;
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
  /** The LUN's sector size when the examiner gives it (`--sector-size`); found from the GPT otherwise. */
  sectorSize?: 512 | 4096;
}

/** True when `dev` (a whole LUN, or a bare partition) holds a VMFS volume. */
export async function sniffVmfs(dev: BlockDevice, sectorSize?: 512 | 4096): Promise<boolean> {
  const { scanLun } = await import('../partition/index.js');
  try {
    return (await scanLun(dev, sectorSize)).vmfs.length > 0;
  } catch (e) {
    // A damaged partition table is still "not something we can open as VMFS" for sniffing.
    if (isVmfskitError(e)) return false;
    throw e;
  }
}

/**
 * Find the VMFS partition on `lun` (GPT, MBR or bare) and open the volume.
 * The volume owns `lun` and `opts.extents` from here on: close() closes them.
 */
export async function openVmfs(lun: BlockDevice, address: string, opts: VmfsOpenOptions = {}): Promise<VmfsVolume> {
  const { Vmfs } = await import('./volume.js');
  return Vmfs.open(lun, address, opts);
}

/** Everything `stat`, `info` and `extract` use beyond the contract. */
export interface VmfsVolumeDetails extends VmfsVolume {
  /** `stat` plus a census of the file's blocks (data, holes, to-be-zeroed). */
  statDetailed(path: string): Promise<VmfsStat>;
  /** Hosts that had the volume mounted (live heartbeat slots). */
  heartbeats(): Promise<Array<Record<string, string | number>>>;
  /** Used and free file blocks (from `.fbb.sf`). */
  usage(): Promise<{ blocks: number; free: number; used: number; 'block-size': number } | null>;
  /** The file blocks the allocation bitmap marks free, as one raw view (vmfskit freespace). */
  freeSpace(): Promise<import('./free-space.js').FreeSpace>;
  /** The host files or devices the volume lies on (the LUN, then each --extent), as opened. */
  hostDevices(): readonly BlockDevice[];
}
