/**
 * A VMFS file as a BlockDevice: resident data, direct file blocks (FB, or
 * VMFS-6 SFB/LFB) or sub-blocks, single and double indirect pointer blocks
 * (vmfs-format.md §9). Holes (address 0 at any level) and to-be-zeroed blocks
 * read as zeros and map as `zero`. Addresses are kept as their two u32 halves
 * (high half 0 on VMFS-3/5) and decoded by the volume's VmfsFormat.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { available } from '../device/block-device.js';
import { mergeRuns, shiftRuns } from '../device/runs.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import { ADDR, hex } from './address.js';
import { arrayEntryHi, arrayEntryLo, ZLA, type Fd } from './fd.js';
import type { Resource } from './resource.js';
import type { VmfsFormat } from './versions/format.js';

const MAX_COUNTED_BLOCKS = 1 << 20;

/** What a file needs from its volume. */
export interface FileContext {
  readonly volume: BlockDevice;
  readonly blockSize: number;
  readonly format: VmfsFormat;
  /**
   * The pointer block at an address (as u32 words: one per address, or low/high pairs for 64-bit ones).
   * `where` is called only when the block must be read (its errors' coordinates).
   */
  pointerBlock(lo: number, hi: number, where: () => ErrorWhere): Promise<Uint32Array>;
  subBlocks(): Promise<Resource>;
  /** Error coordinates of a volume offset. */
  at(volumeOffset: number, structure: string): ErrorWhere;
}

/** A block's address (low and high u32), with its error coordinates when asked. */
interface Addressed {
  lo: number;
  hi: number;
  where: () => ErrorWhere;
}

/** Where the bytes of one file block are. */
type Source =
  | { kind: 'hole' }
  | { kind: 'tbz' }
  | { kind: 'volume'; offset: number }
  | { kind: 'sub'; file: BlockDevice; offset: number };

export class VmfsFile implements BlockDevice {
  readonly size: number;
  /** Bytes per address-array block: the FS block size (VMFS-6: SFB or LFB size), or the sub-block size. */
  readonly unit: number;
  private readonly fmt: VmfsFormat;

  constructor(
    private readonly ctx: FileContext,
    readonly fd: Fd,
    readonly name: string,
  ) {
    if (!Number.isSafeInteger(fd.length)) throw new VmfskitError('CORRUPT', `file length ${fd.length} is out of range`, ctx.at(fd.volumeOffset + 512 + 0x14, `FD ${hex(fd.address)} (${name}) length`));
    this.size = fd.length;
    this.fmt = ctx.format;
    this.unit = fileUnit(fd, ctx);
  }

  private where(structure: string, fdByte = 0): ErrorWhere {
    return this.ctx.at(this.fd.volumeOffset + fdByte, `FD ${hex(this.fd.address)} (${this.name}) ${structure}`);
  }

  /**
   * Address of file block n, walking pointer blocks as the ZLA says. Its coordinates come as a
   * function, called only for an error: built for every block, they were most of a 1 GiB map's time.
   */
  private async blockAddress(n: number): Promise<Addressed> {
    const zla = this.fd.zla;
    const f = this.fmt;
    const E = f.pbEntries;
    const direct = (i: number): Addressed => {
      const entries = f.fd.arrayEntries;
      if (i >= entries) throw new VmfskitError('CORRUPT', `file length ${this.size} needs address array entry ${i}, the array has ${entries}`, this.where('address array'));
      const w = f.addressWords;
      return { lo: arrayEntryLo(this.fd, i, w), hi: arrayEntryHi(this.fd, i, w), where: () => this.where(`address array entry ${i}`, f.fd.data + f.fd.array + 4 * w * i) };
    };
    if (zla === ZLA.FB || zla === ZLA.SB) return direct(n);
    if (zla === ZLA.PB || zla === ZLA.PB2) {
      const top = direct(Math.floor(n / E));
      return this.follow(top, n % E);
    }
    if (zla === ZLA.DOUBLE) {
      const top = direct(Math.floor(n / (E * E)));
      const mid = await this.follow(top, Math.floor(n / E) % E);
      return this.follow(mid, n % E);
    }
    throw new VmfskitError('CORRUPT', `unknown zero-level address type (ZLA) ${zla}`, this.where('ZLA', f.fd.meta + 0x44));
  }

  /** Entry `i` of the pointer block named by `pb` (a hole stays a hole). */
  private async follow(pb: Addressed, i: number): Promise<Addressed> {
    if (pb.lo === 0 && pb.hi === 0) return pb;
    const f = this.fmt;
    const t = pb.lo & 7;
    if (!f.isPointerBlock(t)) {
      throw new VmfskitError('CORRUPT', `expected a pointer block address, found ${f.hex(pb.lo, pb.hi)} (type ${f.typeName(t)})`, pb.where());
    }
    const words = await this.ctx.pointerBlock(pb.lo, pb.hi, pb.where);
    const w = f.addressWords;
    return {
      lo: words[i * w]!,
      hi: w === 1 ? 0 : words[i * 2 + 1]!,
      where: () => {
        const wh = pb.where();
        return { ...wh, structure: `${wh.structure} → pointer block ${f.hex(pb.lo, pb.hi)} entry ${i}` };
      },
    };
  }

  private async source(n: number): Promise<Source> {
    const { lo, hi, where } = await this.blockAddress(n);
    if (lo === 0 && hi === 0) return { kind: 'hole' };
    const f = this.fmt;
    const t = lo & 7;
    if (f.isFileBlock(t)) {
      if (!f.fileBlockFits(t, this.unit)) throw new VmfskitError('CORRUPT', `file block address ${f.hex(lo, hi)} in a file whose block size is ${this.unit}`, where());
      if (f.tbz(lo, hi)) return { kind: 'tbz' };
      const bytes = f.fileBlockBytes(t);
      const block = f.fileBlockNumber(lo, hi);
      // A block larger than the slot (a VMFS-6 LFB in a file counted in SFBs): the slot's place in it (§9.4).
      const off = block * bytes + ((n * this.unit) % bytes);
      if (off + this.unit > this.ctx.volume.size) {
        throw new VmfskitError('CORRUPT', `file block ${block} (${f.hex(lo, hi)}) is beyond the volume (${Math.floor(this.ctx.volume.size / bytes)} blocks)`, where());
      }
      return { kind: 'volume', offset: off };
    }
    if (t === ADDR.SB) {
      const sbc = await this.ctx.subBlocks();
      if (sbc.h.resourceSize !== this.unit) throw new VmfskitError('CORRUPT', `sub-block address ${f.hex(lo, hi)} in a file whose block size is ${this.unit}, sub-blocks are ${sbc.h.resourceSize}`, where());
      return {
        kind: 'sub',
        file: sbc.file,
        offset: sbc.offsetOf(f.cluster(lo, hi), f.resource(lo, hi), () => {
          const w = where();
          return { ...w, structure: `${w.structure} (sub-block ${f.hex(lo, hi)})` };
        }),
      };
    }
    throw new VmfskitError('CORRUPT', `expected a data block address, found ${f.hex(lo, hi)} (type ${f.typeName(t)})`, where());
  }

  /** Visit [offset, offset+length) block by block, in order. */
  private async walk(offset: number, length: number, fn: (pos: number, n: number, src: Source) => Promise<void>): Promise<void> {
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const n = Math.floor(pos / this.unit);
      const inBlock = pos - n * this.unit;
      const len = Math.min(end - pos, this.unit - inBlock);
      const src = await this.source(n);
      const shifted: Source = src.kind === 'volume' || src.kind === 'sub' ? { ...src, offset: src.offset + inBlock } : src;
      await fn(pos, len, shifted);
      pos += len;
    }
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const total = available(this, offset, buf.length);
    if (total === 0) return 0;
    if (this.fd.zla === ZLA.RESIDENT) {
      const resident = this.residentData();
      buf.set(resident.subarray(offset, offset + total));
      return total;
    }
    // Coalesce physically contiguous blocks into one large read.
    let pendingBuf = 0;
    let pendingVol = -1;
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen > 0) await this.ctx.volume.read(buf.subarray(pendingBuf, pendingBuf + pendingLen), pendingVol);
      pendingLen = 0;
    };
    await this.walk(offset, total, async (pos, n, src) => {
      const b = pos - offset;
      if (src.kind === 'volume') {
        if (pendingLen > 0 && pendingVol + pendingLen === src.offset && pendingBuf + pendingLen === b) {
          pendingLen += n;
          return;
        }
        await flush();
        pendingBuf = b;
        pendingVol = src.offset;
        pendingLen = n;
        return;
      }
      await flush();
      if (src.kind === 'sub') await src.file.read(buf.subarray(b, b + n), src.offset);
      else buf.fill(0, b, b + n);
    });
    await flush();
    return total;
  }

  private residentData(): Buffer {
    const max = this.fmt.fd.residentMax;
    if (this.size > max) throw new VmfskitError('CORRUPT', `resident file of ${this.size} bytes (at most ${max} fit in the FD)`, this.where('length', this.fmt.fd.meta + 0x14));
    return this.fd.data;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    const total = available(this, offset, length);
    if (total === 0) return [];
    if (this.fd.zla === ZLA.RESIDENT) {
      this.residentData();
      const at = this.ctx.at(this.fd.volumeOffset + this.fmt.fd.data + offset, 'resident data');
      return [{ offset, length: total, kind: 'data', file: at.file, fileOffset: at.offset }];
    }
    const runs: Run[] = [];
    // Physically contiguous blocks are asked of the volume in one call (a 1 GiB thick file: one call, not 1024).
    let pendingPos = 0;
    let pendingVol = -1;
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen > 0) runs.push(...shiftRuns(await this.ctx.volume.map(pendingVol, pendingLen), pendingPos - pendingVol));
      pendingLen = 0;
    };
    await this.walk(offset, total, async (pos, n, src) => {
      if (src.kind === 'volume') {
        if (pendingLen > 0 && pendingVol + pendingLen === src.offset && pendingPos + pendingLen === pos) {
          pendingLen += n;
          return;
        }
        await flush();
        [pendingPos, pendingVol, pendingLen] = [pos, src.offset, n];
        return;
      }
      await flush();
      if (src.kind === 'sub') runs.push(...shiftRuns(await src.file.map(src.offset, n), pos - src.offset));
      else runs.push({ offset: pos, length: n, kind: 'zero' });
    });
    await flush();
    return mergeRuns(runs);
  }

  /** Volume offset of a file byte (null in a hole, a to-be-zeroed block or resident data). */
  /** Volume offset of byte `offset` of a resident file's data (it lies in the FD, §8.1); null for other files. */
  residentVolumeOffset(offset: number): number | null {
    return this.fd.zla === ZLA.RESIDENT ? this.fd.volumeOffset + this.fmt.fd.data + offset : null;
  }

  async volumeOffsetOf(offset: number): Promise<number | null> {
    if (this.fd.zla === ZLA.RESIDENT || offset >= this.size) return null;
    const n = Math.floor(offset / this.unit);
    const src = await this.source(n);
    const inBlock = offset - n * this.unit;
    if (src.kind === 'volume') return src.offset + inBlock;
    if (src.kind === 'sub' && src.file instanceof VmfsFile) return src.file.volumeOffsetOf(src.offset + inBlock);
    return null;
  }

  /**
   * Volume offset of file block n when its bytes lie there in a row; null when
   * it has none (hole, to-be-zeroed, resident); undefined for a sub-block (ask
   * volumeOffsetOf byte by byte).
   */
  async blockVolumeOffset(n: number): Promise<number | null | undefined> {
    if (this.fd.zla === ZLA.RESIDENT || n * this.unit >= this.size) return null;
    const src = await this.source(n);
    if (src.kind === 'volume') return src.offset;
    return src.kind === 'sub' ? undefined : null;
  }

  /** Counts for `stat`: blocks by kind over the whole file. */
  async blockCounts(): Promise<{ data: number; holes: number; tbz: number; sub: number } | null> {
    const c = { data: 0, holes: 0, tbz: 0, sub: 0 };
    if (this.fd.zla === ZLA.RESIDENT) return c;
    const blocks = Math.ceil(this.size / this.unit);
    // A 62 TB file has 62 million blocks: counting them is not worth a minute of `stat`.
    if (blocks > MAX_COUNTED_BLOCKS) return null;
    for (let n = 0; n < blocks; n++) {
      const s = await this.source(n);
      if (s.kind === 'hole') c.holes++;
      else if (s.kind === 'tbz') c.tbz++;
      else if (s.kind === 'sub') c.sub++;
      else c.data++;
    }
    return c;
  }

  async close(): Promise<void> {}
}

/**
 * The bytes each address-array entry covers: the FD block size, checked (VMFS-3 leaves the shift byte 0,
 * §6.5). Up to the FS block size, on VMFS-6 up to the large file block size.
 */
function fileUnit(fd: Fd, ctx: FileContext): number {
  const bs = fd.blockSize;
  if (fd.zla === ZLA.RESIDENT) return bs > 0 ? bs : ctx.blockSize;
  const max = ctx.format.maxFileUnit;
  const ok = Number.isSafeInteger(bs) && bs >= 512 && bs <= max && 2 ** Math.round(Math.log2(bs)) === bs;
  if (!ok || (fd.blockShift !== 0 && 2 ** fd.blockShift !== bs)) {
    const limit = max === ctx.blockSize ? `the FS block size ${max}` : `the large file block size ${max}`;
    throw new VmfskitError('CORRUPT', `block size ${bs} (shift ${fd.blockShift}) is not a power of two up to ${limit}`, ctx.at(fd.volumeOffset + ctx.format.fd.meta + 0x1c, `FD ${hex(fd.address)} block size`));
  }
  return bs;
}
