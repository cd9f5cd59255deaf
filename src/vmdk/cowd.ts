/**
 * VMFSSPARSE ("COWD") delta extents: ESX(i) ≤ 6.x snapshots (`x-000001-delta.vmdk`).
 * Layout: vmdk-format.md §5. Grain tables hold 4096 entries (not 512),
 * entries are absolute sectors in the delta file, 0 = ask the parent.
 */
import type { BlockDevice } from '../device/block-device.js';
import { readExact } from '../device/read-helpers.js';
import type { LayerExtent } from './layer-extent.js';
import { VmfskitError } from '../errors.js';
import { DATA, PARENT, ZERO, GrainDeltaExtent, Warnings, decodeTable, type DecodedTable, type DeltaOpenOptions, type GrainFormat } from './delta-grains.js';

export const COWD_MAGIC = 0x44574f43; // "COWD"
export const COWD_HEADER_BYTES = 2048;
/** Fixed by the format: 4096 u32 entries per grain table. */
export const COWD_GT_ENTRIES = 4096;

/** COWD header (sector 0–3), little-endian. */
export const H = {
  magic: 0, // u32
  version: 4, // u32, 1
  flags: 8, // u32, 3 on ESXi
  numSectors: 12, // u32, capacity
  grainSize: 16, // u32, sectors per grain (1 on ESXi)
  gdOffset: 20, // u32, sector of the grain directory
  numGDEntries: 24, // u32
  freeSector: 28, // u32, end of used space
  parentFileName: 32, // char[1024], child disks only
  parentGeneration: 1056, // u32
  generation: 1060, // u32
  name: 1064, // char[60]
  description: 1124, // char[512]
  savedGeneration: 1636, // u32
  uncleanShutdown: 1648, // u32
} as const;

/** Largest grain we accept (1 MiB); ESXi writes 1 sector. */
const MAX_GRAIN_SECTORS = 2048;

function cString(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? len : z).toString('utf8');
}

class CowdFormat implements GrainFormat {
  readonly format = 'cowd';
  readonly entriesPerTable = COWD_GT_ENTRIES;
  readonly grainBytes: number;
  readonly tableCount: number;
  private readonly gd: Buffer;
  private readonly gdByteOffset: number;
  private gte1 = 0;

  constructor(
    private readonly dev: BlockDevice,
    private readonly h: Buffer,
    sizeBytes: number,
    gd: Buffer,
    private readonly warnings: Warnings,
  ) {
    const grainSectors = h.readUInt32LE(H.grainSize);
    this.grainBytes = grainSectors * 512;
    this.gdByteOffset = h.readUInt32LE(H.gdOffset) * 512;
    this.gd = gd;
    this.tableCount = Math.min(this.gd.length / 4, Math.ceil(sizeBytes / (this.grainBytes * COWD_GT_ENTRIES)));
    const cap = h.readUInt32LE(H.numSectors) * 512;
    if (cap !== sizeBytes) this.warnings.add(`COWD header capacity ${cap} bytes differs from the descriptor's ${sizeBytes}; the descriptor is used`);
    if (h.readUInt32LE(H.uncleanShutdown) !== 0) this.warnings.add('uncleanShutdown is set: the delta was not closed cleanly');
  }

  async loadTable(t: number): Promise<DecodedTable | null> {
    const sector = this.gd.readUInt32LE(t * 4);
    if (sector === 0) return null;
    const where = { file: this.dev.name, structure: `grain directory entry ${t}`, offset: this.gdByteOffset + t * 4 };
    const at = sector * 512;
    if (sector < 4 || at + COWD_GT_ENTRIES * 4 > this.dev.size) {
      throw new VmfskitError(sector < 4 ? 'CORRUPT' : 'TRUNCATED', `grain table at sector ${sector} is ${sector < 4 ? 'inside the header' : `past the end of the file (${this.dev.size} bytes)`}`, where);
    }
    const raw = await readExact(this.dev, at, COWD_GT_ENTRIES * 4, `grain table ${t}`);
    const grainBytes = this.grainBytes;
    const fileSize = this.dev.size;
    return decodeTable(COWD_GT_ENTRIES, (i, out) => {
      const s = raw.readUInt32LE(i * 4);
      out.offset = 0;
      if (s === 0) {
        out.kind = PARENT;
      } else if (s === 1) {
        // Unsettled meaning (qemu: sector 1, inside the header; xen-orchestra: a zeroed grain). Zeros, and say so.
        if (this.gte1++ === 0) this.warnings.add(`grain table ${t} entry ${i} is 1 (a zeroed grain? read as zeros, as xen-orchestra and dissect do; qemu reads header bytes)`);
        out.kind = ZERO;
      } else {
        const off = s * 512;
        const where2 = { file: this.dev.name, structure: `grain table ${t} entry ${i}`, offset: at + i * 4 };
        if (s < 4) throw new VmfskitError('CORRUPT', `grain at sector ${s} is inside the header`, where2);
        if (off + grainBytes > fileSize) {
          throw new VmfskitError('TRUNCATED', `grain at sector ${s} is past the end of the file (${fileSize} bytes)`, where2);
        }
        out.kind = DATA;
        out.offset = off;
      }
    });
  }

  tablesInUse(): number {
    let n = 0;
    for (let t = 0; t < this.tableCount; t++) if (this.gd.readUInt32LE(t * 4) !== 0) n++;
    return n;
  }

  /** Everything after the directory is tables and grains (ESXi appends both). */
  estimateAllocated(): number {
    const used = Math.min(this.dev.size, this.h.readUInt32LE(H.freeSector) * 512 || this.dev.size);
    return Math.max(0, used - this.gdByteOffset - this.gd.length - this.tablesInUse() * COWD_GT_ENTRIES * 4);
  }

  describe(): Record<string, unknown> {
    const h = this.h;
    const d: Record<string, unknown> = {
      format: 'cowd',
      version: h.readUInt32LE(H.version),
      flags: h.readUInt32LE(H.flags),
      capacity: h.readUInt32LE(H.numSectors) * 512,
      'cluster-size': this.grainBytes,
      'gd-offset': this.gdByteOffset,
      'gd-entries': h.readUInt32LE(H.numGDEntries),
      'free-sector': h.readUInt32LE(H.freeSector),
      generation: h.readUInt32LE(H.generation),
      'unclean-shutdown': h.readUInt32LE(H.uncleanShutdown) !== 0,
    };
    const parent = cString(h, H.parentFileName, 1024);
    if (parent) d['parent-file-name'] = parent;
    const name = cString(h, H.name, 60);
    if (name) d.name = name;
    const desc = cString(h, H.description, 512);
    if (desc) d.description = desc;
    if (this.gte1) d['zeroed-grain-entries'] = this.gte1;
    if (this.warnings.list.length) d.warnings = [...this.warnings.list];
    return d;
  }
}

/** Open a COWD extent stored in `file`, covering `sizeBytes` of the virtual disk. */
export async function openCowdExtent(file: BlockDevice, sizeBytes: number, opts: DeltaOpenOptions = {}): Promise<LayerExtent> {
  const name = file.name;
  const h = await readExact(file, 0, COWD_HEADER_BYTES, 'COWD header');
  const field = (k: keyof typeof H) => ({ file: name, structure: `COWD header ${k}`, offset: H[k] });
  if (h.readUInt32LE(H.magic) !== COWD_MAGIC) {
    throw new VmfskitError('BAD_MAGIC', `not a COWD (VMFSSPARSE) file: magic is 0x${h.readUInt32LE(0).toString(16).padStart(8, '0')}, expected 0x${COWD_MAGIC.toString(16)} ("COWD")`, field('magic'));
  }
  const version = h.readUInt32LE(H.version);
  if (version !== 1) throw new VmfskitError('UNSUPPORTED', `COWD version ${version} is not supported (only 1 is known)`, field('version'));
  const grainSectors = h.readUInt32LE(H.grainSize);
  if (grainSectors < 1 || grainSectors > MAX_GRAIN_SECTORS || (grainSectors & (grainSectors - 1)) !== 0) {
    throw new VmfskitError('CORRUPT', `grain size ${grainSectors} sectors is not a power of two between 1 and ${MAX_GRAIN_SECTORS}`, field('grainSize'));
  }
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`bad extent size ${sizeBytes}`);
  const needed = Math.ceil(sizeBytes / (grainSectors * 512 * COWD_GT_ENTRIES));
  const numGD = h.readUInt32LE(H.numGDEntries);
  if (numGD < needed) {
    throw new VmfskitError('CORRUPT', `${numGD} grain directory entries cover less than the disk's ${sizeBytes} bytes (${needed} needed)`, field('numGDEntries'));
  }
  const gdSector = h.readUInt32LE(H.gdOffset);
  if (gdSector < COWD_HEADER_BYTES / 512) throw new VmfskitError('CORRUPT', `grain directory at sector ${gdSector} overlaps the header`, field('gdOffset'));
  // Only the entries the disk needs are read; extra entries (xen-orchestra allows one) are ignored.
  const gd = await readExact(file, gdSector * 512, needed * 4, 'COWD grain directory');
  return new GrainDeltaExtent(file, sizeBytes, new CowdFormat(file, h, sizeBytes, gd, new Warnings(name, opts.warnings)));
}
