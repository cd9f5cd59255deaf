/**
 * Names of partition types, as sgdisk -L / fdisk -l print them, for listings.
 * VMware GUIDs per vmfs-format.md §1 (ESXi boot disks and datastores).
 */
const GPT_NAMES: Record<string, string> = {
  'AA31E02A-400F-11DB-9590-000C2911D1B8': 'VMware VMFS',
  '9D275380-40AD-11DB-BF97-000C2911D1B8': 'VMware vmkcore',
  '9198EFFC-31C0-11DB-8F78-000C2911D1B8': 'VMware reserved',
  '4EB2EA39-7855-4790-A79E-FAE495E21F8D': 'VMware ESXi OSDATA (VMFS-L)',
  '381CFCCC-7288-11E0-92EE-000C2911D0B2': 'VMware vSAN',
  '77719A0C-A4A0-11E3-A47E-000C29745A24': 'VMware Virsto',
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI system partition',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot partition',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
  'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC': 'Windows recovery environment',
  '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3': 'Windows LDM metadata',
  'AF9B60A0-1431-4F62-BC68-3311714A69AD': 'Windows LDM data',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
  'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
  'CA7D7CCB-63ED-4C53-861C-1742536059CC': 'Linux LUKS',
  '44479540-F297-41B2-9AF7-D131D5F0458A': 'Linux x86 root',
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux x86-64 root',
  'BC13C2FF-59E6-4262-A352-B275FD6F7172': 'Linux /boot (XBOOTLDR)',
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux /home',
  '48465300-0000-11AA-AA11-00306543ECAC': 'Apple HFS+',
  '7C3457EF-0000-11AA-AA11-00306543ECAC': 'Apple APFS',
  '516E7CB4-6ECF-11D6-8FF8-00022D09712B': 'FreeBSD UFS',
};

const MBR_NAMES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16 <32M',
  0x05: 'Extended',
  0x06: 'FAT16',
  0x07: 'NTFS/exFAT/HPFS',
  0x0b: 'W95 FAT32',
  0x0c: 'W95 FAT32 (LBA)',
  0x0e: 'W95 FAT16 (LBA)',
  0x0f: 'W95 extended (LBA)',
  0x11: 'Hidden FAT12',
  0x17: 'Hidden NTFS',
  0x1b: 'Hidden W95 FAT32',
  0x1c: 'Hidden W95 FAT32 (LBA)',
  0x27: 'Windows recovery',
  0x42: 'Windows dynamic (LDM)',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0x85: 'Linux extended',
  0x8e: 'Linux LVM',
  0xa5: 'FreeBSD',
  0xee: 'GPT protective',
  0xef: 'EFI (FAT)',
  0xfb: 'VMware VMFS',
  0xfc: 'VMware vmkcore',
  0xfd: 'Linux RAID autodetect',
};

/** MBR types that hold logical partitions (an extended partition's chain of EBRs). */
export const MBR_EXTENDED_TYPES: ReadonlySet<number> = new Set([0x05, 0x0f, 0x85]);

export function gptTypeName(guid: string): string | undefined {
  return GPT_NAMES[guid.toUpperCase()];
}

export function mbrTypeName(type: number): string | undefined {
  return MBR_NAMES[type];
}
