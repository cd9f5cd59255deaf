/** What the partition layer reports: one entry per partition found on a LUN. */
export interface PartitionEntry {
  /** 1-based number, as `--partition N` and sgdisk/fdisk count. */
  index: number;
  /** Byte offset and length on the LUN. */
  start: number;
  size: number;
  /** GPT type GUID, or the MBR type byte as "0xFB". */
  type: string;
  name?: string;
  isVmfs: boolean;
}

export interface PartitionTable {
  scheme: 'gpt' | 'mbr';
  sectorSize: number;
  partitions: PartitionEntry[];
  /** Things an examiner should know (a bad primary GPT header, ...). */
  warnings: string[];
}
