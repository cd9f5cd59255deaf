/**
 * What differs between VMFS-3/5 and VMFS-6 on disk, behind one interface: the
 * reader (volume.ts, file.ts, resource.ts) asks the object chosen at open and
 * never tests a version number itself. Each member names the section of
 * vmfs-format.md it implements.
 */
import type { BlockDevice } from '../../device/block-device.js';
import type { ErrorWhere } from '../../errors.js';
import type { DirEntry } from '../directory.js';
import type { Resource } from '../resource.js';

/** Where the parts of a file descriptor are (§8.1). */
export interface FdGeometry {
  /** FD bytes (= the `.fdc.sf` resource size). */
  readonly size: number;
  /** Start of the metadata (§8.2); the lock block is before it. */
  readonly meta: number;
  /** Start of the resident data area; an FD's `data` is bytes [data, size). */
  readonly data: number;
  /** Longest resident file. */
  readonly residentMax: number;
  /** Start of the address array inside `data`. */
  readonly array: number;
  readonly arrayEntries: number;
}

/** What reading a directory needs from the volume. */
export interface DirectoryContext {
  /** Error coordinates of the directory's FD length field. */
  lengthWhere(): ErrorWhere;
  /** Error coordinates of a byte of the directory file (looked up through its block map, so only for an error). */
  where(fileOffset: number, structure: string): Promise<ErrorWhere>;
}

export interface VmfsFormat {
  /** 3, 5 or 6, for `info` only. */
  readonly family: 3 | 5 | 6;
  /** §0: "VMFS-6.82" as ESXi prints it. */
  readonly displayVersion: string;
  readonly fd: FdGeometry;
  /** Bytes per address in FD arrays and pointer blocks (§7): 4 or 8; 8-byte ones are read as two u32 halves. */
  readonly addressWords: 1 | 2;
  /** §6.2: bytes of one cluster header (lock block + cluster metadata). */
  readonly clusterHeader: number;
  /** §9.1/§9.2: addresses per pointer block. */
  readonly pbEntries: number;
  /** Pointer blocks kept in memory (about 8 MiB of them). */
  readonly pbCacheEntries: number;
  /** §5.1: `.pb2.sf` exists ([5][6]). */
  readonly hasPb2: boolean;
  /** Largest block an FD's address array may count in (§8.2 +0x1C). */
  readonly maxFileUnit: number;
  /** §13: heartbeat slot stride and count at volume 0x300000. */
  readonly heartbeatSlot: number;
  readonly heartbeatSlots: number;
  /** Version-specific facts for `info` (none on VMFS-3/5, whose output stays as it was). */
  describe(): Record<string, unknown>;
  /** Allocated and free file blocks from `.fbb.sf`, or null where the cluster metadata is not understood. */
  usage(fbb: Resource): Promise<{ total: number; free: number } | null>;
  /** System FD resource numbers in FDC cluster 0 (§5.1). */
  readonly systemFiles: Readonly<Record<string, number>>;
  /** §5.2: volume offset of system FD r (cluster 0 resource r). */
  systemFdOffset(r: number): number;

  /** What the format must learn from `.fbb.sf` before other system files are read (§5.2 open order), if anything. */
  learnFromFbb?(fbb: BlockDevice, where: () => ErrorWhere): Promise<void>;

  // ---- addresses (§7), given as their low and high u32 halves ----------------
  /** "0x00000141" / "0x0040000000000001". */
  hex(lo: number, hi: number): string;
  typeName(type: number): string;
  /** A data block read straight from the volume: FB ([3][5]), SFB or LFB ([6]). */
  isFileBlock(type: number): boolean;
  /** Address types a pointer-block slot of the FD array may hold (§9.2). */
  isPointerBlock(type: number): boolean;
  /** Bytes of a file block of this type. */
  fileBlockBytes(type: number): number;
  /** Whether a block of this type may fill an array slot of `unit` bytes (§9.4). */
  fileBlockFits(type: number, unit: number): boolean;
  /** The block number of an FB/SFB/LFB (volume offset = number × fileBlockBytes). */
  fileBlockNumber(lo: number, hi: number): number;
  /** To-be-zeroed: the block reads as zeros (§9.3). */
  tbz(lo: number, hi: number): boolean;
  /** Cluster and resource of an SB, PB or PB2 address. */
  cluster(lo: number, hi: number): number;
  resource(lo: number, hi: number): number;

  // ---- directories (§10) ----------------------------------------------------
  /** Every used entry, "." and ".." included, in on-disk order. */
  readDirectory(file: BlockDevice, ctx: DirectoryContext): Promise<DirEntry[]>;
}
