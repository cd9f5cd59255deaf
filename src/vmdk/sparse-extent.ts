/**
 * A hosted sparse extent (KDMV, vmdk-format §3) — plain or stream-optimized
 * (§4) — as a LayerExtent: grain directory → grain tables → grains.
 * Uncompressed grains that lie next to each other in the file are read
 * with one positional read straight into the caller's buffer; compressed
 * grains are fetched in large chunks and inflated on the worker pool.
 */
import type { BlockDevice } from '../device/block-device.js';
import { Lru } from '../device/lru.js';
import { alignedBuffer } from '../device/aligned.js';
import { allSettledOrThrow, readExact } from '../device/read-helpers.js';
import { VmfskitError } from '../errors.js';
import type { LayerExtent, LayerRun, LayerState } from './layer-extent.js';
import { acquireRegion, inflateGrains, releaseRegion, type Region } from './inflate-pool.js';
import { FLAG_COMPRESSED, FLAG_REDUNDANT_GD, FLAG_ZEROED_GTE, MAX_GD_BYTES, SECTOR, type HeaderResult, type SparseHeader } from './sparse-header.js';

export interface SparseOptions {
  /** Recovery: use the redundant grain directory (rgdOffset) instead of the primary one. */
  redundantGd?: boolean;
  /** SESparse: read even when the journal needs replaying (passed through to sesparse.ts). */
  ignoreDirtyJournal?: boolean;
}

/** Compressed grain record (§4.1): u64 lba (sectors), u32 cmpSize, then cmpSize bytes of zlib data. */
const GRAIN_LBA = 0;
const GRAIN_CMP_SIZE = 8;
const GRAIN_DATA = 12;

/** Largest chunk of compressed grains fetched with one read. */
const MAX_CHUNK = 8 << 20;
/** Average piece size from which a scattered read goes straight into place, piece by piece. */
const DIRECT_PIECE = 256 << 10;

interface Slot {
  g: number;
  gte: number;
  /** Byte offset of the GTE in the file, and its table/entry numbers (for errors). */
  at: number;
  table: number;
  entry: number;
  within: number;
  len: number;
  /** Position in the caller's buffer. */
  pos: number;
}

export class SparseExtent implements LayerExtent {
  readonly file: string;
  readonly format: string;
  readonly grainBytes: number;
  readonly compressed: boolean;
  private readonly gtes: number;
  private readonly zeroed: boolean;
  private readonly gtCache = new Lru<number, Uint32Array>(4096);
  private readonly grainCache = new Lru<number, Buffer>(64);
  private gd = new Uint32Array(0);
  private readonly scratch: Buffer[] = [];
  private gdAt = 0;
  /** Upper bound of one compressed grain record (header + worst-case deflate expansion). */
  private readonly maxRecord: number;

  private constructor(
    private readonly dev: BlockDevice,
    readonly size: number,
    private readonly h: SparseHeader,
    private readonly layout: string,
  ) {
    this.file = dev.name;
    this.grainBytes = h.grainSize * SECTOR;
    this.gtes = h.numGTEsPerGT;
    this.zeroed = (h.flags & FLAG_ZEROED_GTE) !== 0;
    this.compressed = (h.flags & FLAG_COMPRESSED) !== 0;
    this.format = this.compressed ? 'stream' : 'sparse';
    this.maxRecord = GRAIN_DATA + this.grainBytes + Math.ceil(this.grainBytes / 1024) * 8 + 2 * SECTOR;
  }

  static async open(dev: BlockDevice, sizeBytes: number, hr: HeaderResult, opts: SparseOptions = {}, warnings: string[] = []): Promise<SparseExtent> {
    const x = new SparseExtent(dev, sizeBytes, hr.header, hr.layout);
    await x.loadGd(opts.redundantGd ?? false);
    if (!opts.redundantGd && (await x.onlyRedundantGdHasTables())) {
      warnings.push(`${x.file}: the grain directory is empty but the redundant one is not: the disk reads as zeros; --redundant-gd reads it through the redundant directory`);
    }
    return x;
  }

  /** A wiped primary GD next to a redundant one that still points somewhere: data an examiner would miss. */
  private async onlyRedundantGdHasTables(): Promise<boolean> {
    const h = this.h;
    if (!this.gd.every((e) => e === 0) || !(h.flags & FLAG_REDUNDANT_GD) || !h.rgdOffset || h.rgdOffset === h.gdOffset) return false;
    const bytes = this.gd.length * 4;
    if (h.rgdOffset * SECTOR + bytes > this.dev.size) return false;
    const buf = await readExact(this.dev, h.rgdOffset * SECTOR, bytes, 'redundant grain directory');
    return buf.some((b) => b !== 0);
  }

  private async loadGd(redundant: boolean): Promise<void> {
    const h = this.h;
    const entries = Math.ceil(h.capacity / (h.grainSize * this.gtes));
    if (entries === 0) return;
    let sector = h.gdOffset;
    let field = 'gdOffset';
    if (redundant) {
      if (!(h.flags & FLAG_REDUNDANT_GD) || !h.rgdOffset) {
        throw new VmfskitError('UNSUPPORTED', 'no redundant grain directory in this file (flag bit 1 clear or rgdOffset 0)', { file: this.file, structure: 'sparse header field rgdOffset', offset: h.at + 48 });
      }
      sector = h.rgdOffset;
      field = 'rgdOffset';
    }
    const bytes = entries * 4;
    const where = { file: this.file, structure: `sparse header field ${field}`, offset: h.at + (redundant ? 48 : 56) };
    if (bytes > MAX_GD_BYTES) throw new VmfskitError('CORRUPT', `grain directory of ${entries} entries is larger than any real disk needs`, where);
    if (sector < 1) throw new VmfskitError('CORRUPT', `grain directory at sector ${sector} overlaps the header`, where);
    if (!(sector * SECTOR + bytes <= this.dev.size)) {
      throw new VmfskitError('TRUNCATED', `grain directory at sector ${sector} (${bytes} bytes) is past the end of the file (${this.dev.size} bytes)`, where);
    }
    this.gdAt = sector * SECTOR;
    const buf = await readExact(this.dev, this.gdAt, bytes, 'grain directory');
    this.gd = new Uint32Array(entries);
    for (let i = 0; i < entries; i++) this.gd[i] = buf.readUInt32LE(i * 4);
  }

  /** Grain table `i`, or null when its GD entry is 0 (whole table unallocated). */
  private table(i: number): Promise<Uint32Array | null> | Uint32Array | null {
    const sector = this.gd[i] ?? 0;
    if (sector === 0) return null;
    const hit = this.gtCache.get(i);
    if (hit) return hit;
    return this.gtCache.getOrLoad(i, async () => {
      const bytes = this.gtes * 4;
      const where = { file: this.file, structure: `grain directory entry ${i}`, offset: this.gdAt + i * 4 };
      if (sector * SECTOR + bytes > this.dev.size) {
        throw new VmfskitError('TRUNCATED', `grain table at sector ${sector} is past the end of the file (${this.dev.size} bytes)`, where);
      }
      const buf = await readExact(this.dev, sector * SECTOR, bytes, `grain table ${i}`);
      const t = new Uint32Array(this.gtes);
      for (let k = 0; k < this.gtes; k++) t[k] = buf.readUInt32LE(k * 4);
      return t;
    });
  }

  private state(gte: number): LayerState {
    if (gte === 0) return 'parent';
    if (gte === 1 && this.zeroed) return 'zero';
    return 'data';
  }

  /** Visit every grain piece of [offset, offset+length) ∩ [0, size), one grain table at a time. */
  private async walk(offset: number, length: number, fn: (s: Slot) => void): Promise<void> {
    const end = Math.min(this.size, offset + length);
    const gb = this.grainBytes;
    const span = gb * this.gtes;
    // One Slot object for the whole walk: visitors that keep a slot copy it.
    const s: Slot = { g: 0, gte: 0, at: 0, table: 0, entry: 0, within: 0, len: 0, pos: 0 };
    let pos = offset;
    while (pos < end) {
      const ti = Math.floor(pos / span);
      const t = ti < this.gd.length ? await this.table(ti) : null;
      // Past the grain directory (descriptor larger than the header's capacity) nothing is allocated, to the end.
      const tEnd = ti < this.gd.length ? Math.min(end, (ti + 1) * span) : end;
      const tAt = (this.gd[ti] ?? 0) * SECTOR;
      if (!t) {
        // A missing table (GD entry 0, or past the GD) is one unallocated piece, not a grain-by-grain walk.
        const g = Math.floor(pos / gb);
        Object.assign(s, { g, gte: 0, at: tAt, table: ti, entry: g - ti * this.gtes, within: pos - g * gb, len: tEnd - pos, pos: pos - offset });
        fn(s);
        pos = tEnd;
        continue;
      }
      while (pos < tEnd) {
        const g = Math.floor(pos / gb);
        const within = pos - g * gb;
        const len = Math.min(gb - within, tEnd - pos);
        const entry = g - ti * this.gtes;
        s.g = g;
        s.gte = t ? t[entry]! : 0;
        s.at = tAt + entry * 4;
        s.table = ti;
        s.entry = entry;
        s.within = within;
        s.len = len;
        s.pos = pos - offset;
        fn(s);
        pos += len;
      }
    }
  }

  async map(offset: number, length: number): Promise<LayerRun[]> {
    const runs: LayerRun[] = [];
    await this.walk(offset, length, (s) => {
      const state = this.state(s.gte);
      // Metadata-only checks, so a damaged table stops a copy before its first byte is written.
      if (state === 'data') this.checkGrain(s, this.compressed ? GRAIN_DATA : s.within + s.len);
      const fileOffset = state === 'data' && !this.compressed ? s.gte * SECTOR + s.within : undefined;
      const compressed = state === 'data' && this.compressed ? true : undefined;
      const last = runs[runs.length - 1];
      const joins =
        last &&
        last.state === state &&
        last.compressed === compressed &&
        (fileOffset === undefined ? last.fileOffset === undefined : last.fileOffset !== undefined && last.fileOffset + last.length === fileOffset);
      if (joins) last.length += s.len;
      else runs.push({ offset: offset + s.pos, length: s.len, state, ...(fileOffset !== undefined ? { fileOffset } : {}), ...(compressed ? { compressed } : {}) });
    });
    return runs;
  }

  private grainError(code: 'CORRUPT' | 'TRUNCATED', s: Slot, problem: string): VmfskitError {
    return new VmfskitError(code, `${problem} (virtual byte ${s.g * this.grainBytes} of this extent)`, {
      file: this.file,
      structure: `grain table ${s.table} entry ${s.entry}`,
      offset: s.at,
    });
  }

  /** A grain's sector must lie after the metadata and (for the bytes needed) inside the file. */
  private checkGrain(s: Slot, bytesNeeded: number): void {
    if (s.gte === 1 || s.gte < this.h.overHead) {
      throw this.grainError('CORRUPT', s, `grain at sector ${s.gte} lies inside the metadata area (grains start at sector ${this.h.overHead})`);
    }
    if (s.gte * SECTOR + bytesNeeded > this.dev.size) {
      throw this.grainError('TRUNCATED', s, `grain at sector ${s.gte} is past the end of the file (${this.dev.size} bytes)`);
    }
  }

  async read(buf: Uint8Array, offset: number): Promise<void> {
    const len = Math.min(buf.length, Math.max(0, this.size - offset));
    const compressed: Slot[] = [];
    // Uncompressed grains that follow each other in the file become one read, even when holes
    // separate them in `buf` (zero grains are not stored): fewer, larger reads.
    const reads: Promise<unknown>[] = [];
    let fileStart = 0;
    let n = 0;
    let pieces: number[] = []; // [bufPos, length] pairs, in file order
    const flush = () => {
      if (n === 0) return;
      const r = this.readScattered(buf, fileStart, n, pieces);
      r.catch(() => {}); // observed below; never an unhandled rejection if the walk throws first
      reads.push(r);
      n = 0;
      pieces = [];
    };
    const walked = this.walk(offset, len, (s) => {
      if (this.state(s.gte) !== 'data') {
        buf.fill(0, s.pos, s.pos + s.len);
        return;
      }
      if (this.compressed) {
        compressed.push({ ...s });
        return;
      }
      this.checkGrain(s, s.within + s.len);
      const fo = s.gte * SECTOR + s.within;
      if (n === 0 || fileStart + n !== fo || n + s.len > MAX_CHUNK) {
        flush();
        fileStart = fo;
      }
      const last = pieces.length - 2;
      if (last >= 0 && pieces[last]! + pieces[last + 1]! === s.pos) pieces[last + 1] = pieces[last + 1]! + s.len;
      else pieces.push(s.pos, s.len);
      n += s.len;
    });
    try {
      await walked;
      flush();
    } finally {
      // A damaged grain table ends the walk while reads it started are still filling `buf`.
      await allSettledOrThrow(reads);
    }
    if (compressed.length) await this.readCompressed(buf, compressed);
  }

  /** Read [fileStart, fileStart+n) and place its pieces in `buf`: straight in when it is one piece. */
  private async readScattered(buf: Uint8Array, fileStart: number, n: number, pieces: number[]): Promise<void> {
    if (pieces.length === 2) {
      await this.dev.read(buf.subarray(pieces[0]!, pieces[0]! + n), fileStart);
      return;
    }
    // Large pieces (runs of grains between zero runs) are read straight into place: a read each
    // costs less than copying every byte once more through the scratch buffer.
    if (n / (pieces.length / 2) >= DIRECT_PIECE) {
      const reads: Promise<number>[] = [];
      for (let i = 0, at = fileStart; i < pieces.length; i += 2) {
        reads.push(this.dev.read(buf.subarray(pieces[i]!, pieces[i]! + pieces[i + 1]!), at));
        at += pieces[i + 1]!;
      }
      await allSettledOrThrow(reads);
      return;
    }
    // Scratch buffers are reused: a fresh multi-MiB allocation per read costs page faults and GC.
    const tmp = this.scratch.pop() ?? alignedBuffer(MAX_CHUNK);
    try {
      await this.dev.read(tmp.subarray(0, n), fileStart);
      for (let i = 0, at = 0; i < pieces.length; i += 2) {
        buf.set(tmp.subarray(at, at + pieces[i + 1]!), pieces[i]!);
        at += pieces[i + 1]!;
      }
    } finally {
      if (this.scratch.length < 4) this.scratch.push(tmp);
    }
  }

  private async readCompressed(buf: Uint8Array, slots: Slot[]): Promise<void> {
    const todo: Slot[] = [];
    for (const s of slots) {
      const hit = s.len < this.grainBytes ? this.grainCache.get(s.g) : undefined;
      if (hit) buf.set(hit.subarray(s.within, s.within + s.len), s.pos);
      else todo.push(s);
    }
    todo.sort((a, b) => a.gte - b.gte);
    // Chunks of grains that follow each other closely in the file: one read each.
    let i = 0;
    while (i < todo.length) {
      let j = i + 1;
      while (
        j < todo.length &&
        todo[j]!.gte * SECTOR - todo[j - 1]!.gte * SECTOR <= 2 * this.maxRecord &&
        (todo[j]!.gte - todo[i]!.gte) * SECTOR + this.maxRecord <= MAX_CHUNK &&
        (j - i + 1) * this.grainBytes <= MAX_CHUNK
      ) {
        j++;
      }
      await this.inflateChunk(buf, todo.slice(i, j));
      i = j;
    }
  }

  private async inflateChunk(buf: Uint8Array, group: Slot[]): Promise<void> {
    const first = group[0]!;
    for (const s of group) this.checkGrain(s, GRAIN_DATA);
    const start = first.gte * SECTOR;
    const end = Math.min(this.dev.size, group[group.length - 1]!.gte * SECTOR + this.maxRecord);
    const gb = this.grainBytes;
    const region = acquireRegion(Math.max(MAX_CHUNK, this.maxRecord), Math.max(MAX_CHUNK, gb));
    try {
      await this.inflateInto(buf, group, start, end, region);
    } finally {
      releaseRegion(region);
    }
  }

  private async inflateInto(buf: Uint8Array, group: Slot[], start: number, end: number, region: Region): Promise<void> {
    const chunk = region.input.subarray(0, end - start);
    await this.dev.read(chunk, start);
    // Whole grains go straight into the caller's buffer when it is shared memory (workers can
    // write it): no copy out of the region afterwards. Offsets must fit the Int32 span entry.
    const direct = buf.buffer instanceof SharedArrayBuffer && buf.byteOffset + buf.length <= 0x7fffffff;
    const gb = this.grainBytes;
    const spans = new Int32Array(group.length * 3);
    group.forEach((s, k) => {
      const rel = s.gte * SECTOR - start;
      const lba = chunk.readBigUInt64LE(rel + GRAIN_LBA);
      const want = BigInt(s.g) * BigInt(this.h.grainSize);
      if (lba !== want) throw this.grainError('CORRUPT', s, `grain marker at sector ${s.gte} is for LBA ${lba}, expected ${want}`);
      const cmp = chunk.readUInt32LE(rel + GRAIN_CMP_SIZE);
      if (cmp === 0 || GRAIN_DATA + cmp > this.maxRecord) throw this.grainError('CORRUPT', s, `grain marker at sector ${s.gte} has compressed size ${cmp}`);
      if (rel + GRAIN_DATA + cmp > chunk.length) throw this.grainError('TRUNCATED', s, `compressed grain at sector ${s.gte} runs past the end of the file (${this.dev.size} bytes)`);
      spans[3 * k] = rel + GRAIN_DATA;
      spans[3 * k + 1] = cmp;
      spans[3 * k + 2] = direct && s.within === 0 && s.len === gb ? buf.byteOffset + s.pos : -1;
    });
    const sizes = await inflateGrains(region, spans, gb, direct ? buf : null);
    const out = region.output;
    group.forEach((s, k) => {
      const got = sizes[k]!;
      const isLast = (s.g + 1) * gb >= this.size;
      if (got < 0) throw this.grainError('CORRUPT', s, got === -2 ? `compressed grain at sector ${s.gte} inflates to more than ${gb} bytes` : `compressed grain at sector ${s.gte} is not a valid zlib stream`);
      if (got !== gb && !(isLast && got >= s.within + s.len)) throw this.grainError('CORRUPT', s, `compressed grain at sector ${s.gte} inflates to ${got} bytes, expected ${gb}`);
      if (spans[3 * k + 2]! >= 0) return;
      const slot = out.subarray(k * gb, k * gb + got);
      buf.set(slot.subarray(s.within, s.within + s.len), s.pos);
      if (s.len < gb) this.grainCache.set(s.g, Buffer.from(slot));
    });
  }

  async allocatedBytes(): Promise<number> {
    let n = 0;
    await this.walk(0, this.size, (s) => {
      if (this.state(s.gte) === 'data') n += s.len;
    });
    return n;
  }

  describe(): Record<string, unknown> {
    const h = this.h;
    return {
      format: this.format,
      layout: this.layout,
      version: h.version,
      flags: '0x' + h.flags.toString(16),
      capacity: h.capacity * SECTOR,
      'cluster-size': this.grainBytes,
      'gtes-per-gt': this.gtes,
      'gd-offset': h.gdOffset * SECTOR,
      'rgd-offset': h.rgdOffset * SECTOR,
      overhead: h.overHead * SECTOR,
      'zeroed-grains': this.zeroed,
      compressed: this.compressed,
      'unclean-shutdown': h.uncleanShutdown !== 0,
    };
  }

  async close(): Promise<void> {
    await this.dev.close();
  }
}
