/** What the partition layer reports: one entry per partition found on a LUN or a guest disk. */
export interface PartitionEntry {
  /** 1-based number, as `--partition N`, `#pN`, sgdisk/fdisk and Linux count (MBR logical partitions from 5). */
  index: number;
  /** Byte offset and length on the disk. */
  start: number;
  size: number;
  /** GPT type GUID, or the MBR type byte as "0xFB". */
  type: string;
  /** What the type means ("VMware VMFS", "Linux filesystem", "NTFS/exFAT/HPFS" ...), when known. */
  typeName?: string;
  name?: string;
  isVmfs: boolean;
  /** An MBR extended partition: a container of logical partitions, holds no file system itself. */
  container?: boolean;
  /** What is wrong with the entry as written (runs past the end of the disk ...): listed, not opened blindly. */
  problems?: string[];
}

export interface PartitionTable {
  scheme: 'gpt' | 'mbr';
  sectorSize: number;
  /** How the sector size was decided ("GPT header at byte 4096", "--sector-size 4096", "MBR: 512 assumed"). */
  sectorSizeHow?: string;
  partitions: PartitionEntry[];
  /** Things an examiner should know (a bad primary GPT header, ...). */
  warnings: string[];
}

/** The sector sizes a disk can have here: 512 (512n/512e) and 4096 (4Kn). */
export type SectorSize = 512 | 4096;
export const SECTOR_SIZES: readonly SectorSize[] = [512, 4096];
