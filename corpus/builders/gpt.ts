/**
 * A GUID partition table for whole-LUN / whole-disk test images, with the
 * sector size as a parameter: 512 (header at byte 512) or 4096 (4Kn LUNs,
 * header at byte 4096, entries counted in 4 KiB sectors — format §1).
 * Protective MBR, primary header + 128 entries, backup entries + header in
 * the last sectors, CRCs as the UEFI spec says.
 */
import { crc32 } from 'node:zlib';
import { GPT_ENTRY, GPT_HEADER, MBR_ENTRY, encode } from './vmfs5/structs.js';

export interface GptPartition {
  /** Type GUID as text, e.g. AA31E02A-400F-11DB-9590-000C2911D1B8 (VMware VMFS). */
  type: string;
  partGuid: Buffer;
  firstLba: number;
  lastLba: number;
  /** UTF-16LE name, at most 36 characters. */
  name?: string;
  attributes?: bigint;
}

export const GPT_TYPES = {
  vmfs: 'AA31E02A-400F-11DB-9590-000C2911D1B8',
  efi: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  /** Microsoft basic data: what ESXi 7/8 gives BOOTBANK1/2 (FAT). */
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  osdata: '4EB2EA39-7855-4790-A79E-FAE495E21F8D',
} as const;

/** A GUID in GPT's mixed-endian byte order. */
export function guidBytes(text: string): Buffer {
  const b = Buffer.from(text.replace(/-/g, ''), 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function mbrSector(type: number, firstLba: number, sectors: number, sectorSize = 512): Buffer {
  const mbr = Buffer.alloc(sectorSize);
  // CHS fields are the "beyond 8 GiB" marker (fe ff ff) that partitioning tools write.
  encode(mbr, 446, MBR_ENTRY, {
    type, firstLba, numSectors: Math.min(sectors, 0xffffffff), chsFirst: Buffer.from([0x00, 0x02, 0x00]), chsLast: Buffer.from([0xfe, 0xff, 0xff]),
  });
  mbr.writeUInt16LE(0xaa55, 510);
  return mbr;
}

/** The byte ranges to write for a GPT on a disk of `diskSize` bytes. */
export function gptWrites(diskSize: number, sectorSize: number, diskGuid: Buffer, partitions: GptPartition[]): Array<{ offset: number; data: Buffer }> {
  if (diskSize % sectorSize) throw new Error(`disk size ${diskSize} is not a multiple of the ${sectorSize}-byte sector`);
  const lastLba = diskSize / sectorSize - 1;
  const entries = Buffer.alloc(128 * 128);
  const entrySectors = entries.length / sectorSize;
  partitions.forEach((p, i) => {
    const name = Buffer.alloc(72);
    if (p.name) name.write(p.name, 0, 'utf16le');
    encode(entries, i * 128, GPT_ENTRY, { typeGuid: guidBytes(p.type), partGuid: p.partGuid, firstLba: p.firstLba, lastLba: p.lastLba, ...(p.name ? { name } : {}) });
    if (p.attributes) entries.writeBigUInt64LE(p.attributes, i * 128 + 0x30);
  });
  const entriesCrc = crc32(entries);
  const header = (current: number, backup: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(sectorSize);
    encode(h, 0, GPT_HEADER, {
      signature: 'EFI PART', revision: 0x10000, headerSize: 92, currentLba: current, backupLba: backup, firstUsableLba: 2 + entrySectors,
      lastUsableLba: lastLba - 1 - entrySectors, diskGuid, entriesLba, numEntries: 128, entrySize: 128, entriesCrc,
    });
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 0x10);
    return h;
  };
  return [
    { offset: 0, data: mbrSector(0xee, 1, Math.min(lastLba, 0xffffffff), sectorSize) },
    { offset: sectorSize, data: header(1, lastLba, 2) },
    { offset: 2 * sectorSize, data: entries },
    { offset: (lastLba - entrySectors) * sectorSize, data: entries },
    { offset: lastLba * sectorSize, data: header(lastLba, 1, lastLba - entrySectors) },
  ];
}
