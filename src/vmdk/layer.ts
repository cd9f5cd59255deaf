/**
 * One layer of a chain: one descriptor (stand-alone, embedded in a sparse
 * file, or implied by a lone extent file) and its extents laid end to end.
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';
import { readExact } from '../device/read-helpers.js';
import { VmfskitError } from '../errors.js';
import { looksLikeDescriptor, MAX_DESCRIPTOR_BYTES, NO_PARENT, parseDescriptor, type Descriptor, type ExtentLine } from './descriptor.js';
import type { VmdkLayerInfo } from './index.js';
import type { LayerExtent, LayerRun } from './layer-extent.js';
import { named, OpenFiles, openExtent, openOnFile, type ExtentContext } from './open-extent.js';
import { KDMV, kdmvProblem, readEmbeddedDescriptor, readSparseHeader, SECTOR } from './sparse-header.js';
import type { SparseOptions } from './sparse-extent.js';

const COWD = 0x44574f43;
const SESPARSE = 0xcafebabe;

export interface LayerRunIn extends LayerRun {
  /** The file holding this run (the extent's file; for ZERO extents the descriptor). */
  file: string;
}

/** Extent formats whose read() fills unallocated ranges with zeros (beyond the LayerExtent contract). */
const ZERO_FILLING = new Set(['sparse', 'stream', 'flat', 'zero']);
const DELTA_TYPES = new Set(['VMFSSPARSE', 'SESPARSE']);

export class Layer {
  readonly size: number;
  /** Every extent zero-fills what it does not hold: read() may be given any range. */
  readonly zeroFills: boolean;
  private readonly starts: number[] = [];

  constructor(
    readonly info: VmdkLayerInfo,
    readonly extents: LayerExtent[],
    /** Null for a lone extent opened without a descriptor. */
    readonly descriptor: Descriptor | null,
    /** Resolver of the layer's directory and the layer's name there (parents are found from here). */
    readonly resolver: Resolver,
    readonly name: string,
  ) {
    let pos = 0;
    for (const e of extents) {
      this.starts.push(pos);
      pos += e.size;
    }
    this.size = pos;
    this.zeroFills = extents.every((e) => ZERO_FILLING.has(e.format));
  }

  /** Visit the extents covering [offset, offset+length): (extent, offset in extent, length, offset relative to `offset`). */
  private async each(offset: number, length: number, fn: (e: LayerExtent, eo: number, n: number, rel: number) => Promise<void>): Promise<void> {
    const end = Math.min(this.size, offset + length);
    for (let i = 0; i < this.extents.length && offset < end; i++) {
      const s = this.starts[i]!;
      const e = this.extents[i]!;
      if (offset >= s + e.size) continue;
      const n = Math.min(end, s + e.size) - offset;
      await fn(e, offset - s, n, offset);
      offset += n;
    }
  }

  async map(offset: number, length: number): Promise<LayerRunIn[]> {
    const out: LayerRunIn[] = [];
    await this.each(offset, length, async (e, eo, n, at) => {
      for (const r of await e.map(eo, n)) out.push({ ...r, offset: r.offset - eo + at, file: e.file });
    });
    return out;
  }

  async read(buf: Uint8Array, offset: number): Promise<void> {
    await this.each(offset, buf.length, async (e, eo, n, at) => {
      await e.read(buf.subarray(at - offset, at - offset + n), eo);
    });
  }

  /** A delta: it names a parent, or it is a lone COWD/SESparse extent whose descriptor (and parent link) is gone. */
  get isDelta(): boolean {
    return this.info.parentCid !== NO_PARENT || (this.descriptor === null && DELTA_TYPES.has(this.info.extents[0]?.type ?? ''));
  }

  async close(): Promise<void> {
    for (const e of this.extents) await e.close().catch(() => {});
  }
}

function layerInfo(filename: string, d: Descriptor | null, lines: ExtentLine[], extents: LayerExtent[], warnings: string[]): VmdkLayerInfo {
  return {
    filename,
    createType: d?.createType ?? '',
    cid: d?.cid ?? NO_PARENT,
    parentCid: d?.parentCid ?? NO_PARENT,
    ...(d?.parentFileNameHint ? { parentFileNameHint: d.parentFileNameHint } : {}),
    extents: lines.map((l, i) => {
      const desc = extents[i]?.describe?.() ?? {};
      return {
        access: l.access,
        sectors: l.sectors,
        type: l.type,
        ...(l.filename !== undefined ? { filename: extents[i]?.file ?? l.filename } : {}),
        ...(l.offset !== undefined ? { offset: l.offset } : {}),
        format: extents[i]?.format,
        ...(desc.compressed ? { compressed: true } : {}),
        ...(typeof desc.note === 'string' ? { note: desc.note } : {}),
      };
    }),
    ddb: d?.ddb ?? {},
    warnings,
  };
}

function refuseEncrypted(d: Descriptor, file: string): void {
  const key = d.where('keyID') ?? d.where('encryptionKeys');
  const filters = Object.entries(d.ddb).find(([k]) => k.toLowerCase() === 'ddb.iofilters')?.[1] ?? '';
  if (key || /vmwarevmcrypt/i.test(filters)) {
    throw new VmfskitError('UNSUPPORTED', 'the disk is encrypted (VM encryption: keyID/encryptionKeys or the vmwarevmcrypt I/O filter); its extents hold ciphertext', {
      file,
      structure: key ? `descriptor line ${key.line}` : 'descriptor',
      ...(key ? { offset: key.byteOffset } : {}),
    });
  }
}

async function openExtents(lines: ExtentLine[], ctx: Omit<ExtentContext, 'index'>, self?: { dev: BlockDevice; index: number }): Promise<LayerExtent[]> {
  const out: LayerExtent[] = [];
  try {
    for (let i = 0; i < lines.length; i++) {
      const c = { ...ctx, index: i };
      const line = lines[i]!;
      if (self && self.index === i) {
        const where = { file: ctx.descriptorFile, structure: `extent ${i + 1} (descriptor line ${line.line})`, offset: line.byteOffset };
        out.push(await openOnFile(line, self.dev, line.sectors * SECTOR, c, where));
      } else {
        out.push(await openExtent(line, c));
      }
    }
    return out;
  } catch (e) {
    for (const x of out) await x.close().catch(() => {});
    throw e;
  }
}

/** A lone delta/sparse extent opened without its descriptor: a one-extent layer with no parent link. */
function loneLine(type: string, sectors: number, filename: string): ExtentLine {
  return { access: 'RW', sectors, type, filename, extra: [], line: 0, byteOffset: 0 };
}

/** Open the layer whose descriptor (or sparse file) is `name` in `resolver`'s directory. */
export async function openLayer(resolver: Resolver, name: string, sparse: SparseOptions = {}, rawAsFlat = false): Promise<Layer> {
  const display = resolver.display(name);
  const dev = named(await resolver.open(name), display);
  const warnings: string[] = [];
  const base = name.split('/').pop()!;
  const ctx = { resolver, descriptorFile: display, sparse, warnings, files: new OpenFiles() };
  let keepDev = false;
  let ok = false;
  try {
    const head = await readExact(dev, 0, Math.min(dev.size, SECTOR), 'first sector');
    const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
    let descriptor: Descriptor | null = null;
    let lines: ExtentLine[];
    let extents: LayerExtent[];
    const odd = kdmvProblem(magic);
    if (odd) throw new VmfskitError('UNSUPPORTED', odd, { file: display, structure: 'magic', offset: 0 });

    if (magic === KDMV) {
      const hr = await readSparseHeader(dev);
      const h = hr.header;
      descriptor = await readEmbeddedDescriptor(dev, h, display);
      if (descriptor) {
        lines = descriptor.extents;
        // VirtualBox has been seen growing the embedded descriptor over the grain directory.
        const descEnd = h.descriptorOffset + h.descriptorSize;
        for (const [name, at] of [['grain directory', h.gdAtEnd ? 0 : h.gdOffset], ['redundant grain directory', h.rgdOffset]] as const) {
          if (at > h.descriptorOffset && at < descEnd) warnings.push(`the embedded descriptor area (sectors ${h.descriptorOffset}-${descEnd - 1}) overlaps the ${name} at sector ${at}`);
        }
      } else {
        warnings.push('no embedded descriptor (a lone extent, such as x-s001.vmdk): opened on its own, without parent information');
        lines = [loneLine('SPARSE', h.capacity, base)];
      }
      // The only SPARSE extent of a monolithic file is the file itself, whatever name it carries (renamed files).
      const sparseIdx = lines.length === 1 && lines[0]!.type === 'SPARSE' ? 0 : lines.findIndex((l) => l.type === 'SPARSE' && l.filename === base);
      if (sparseIdx < 0) throw new VmfskitError('CORRUPT', `the embedded descriptor names no SPARSE extent for this file`, { file: display, structure: 'embedded descriptor', offset: h.descriptorOffset * SECTOR });
      const stale = lines[sparseIdx]!.filename;
      if (stale !== undefined && stale !== base) warnings.push(`embedded descriptor names the extent "${stale}" (the file was renamed): read "${base}", the file given`);
      if (descriptor) refuseEncrypted(descriptor, display);
      keepDev = true;
      extents = await openExtents(lines, ctx, { dev, index: sparseIdx });
    } else if (magic === COWD || (magic === SESPARSE && head.length >= 24 && head.readUInt32LE(4) === 0)) {
      const cowd = magic === COWD;
      const sectors = cowd ? head.readUInt32LE(12) : Number(head.readBigUInt64LE(16));
      warnings.push(`a lone ${cowd ? 'COWD' : 'SESparse'} delta opened without its descriptor: no parent link, unallocated grains read as zeros`);
      lines = [loneLine(cowd ? 'VMFSSPARSE' : 'SESPARSE', sectors, base)];
      keepDev = true;
      extents = await openExtents(lines, ctx, { dev, index: 0 });
    } else if (rawAsFlat && !looksLikeDescriptor(head)) {
      // An orphaned -flat.vmdk named as a parent (--parent): its bytes are the base disk.
      if (dev.size % SECTOR !== 0) throw new VmfskitError('CORRUPT', `named as a flat parent, but its size ${dev.size} is not a multiple of 512 bytes`, { file: display, structure: 'file size', offset: dev.size });
      warnings.push('a raw file named as a parent (--parent): read as a flat base disk');
      lines = [{ ...loneLine('FLAT', dev.size / SECTOR, base), offset: 0 }];
      keepDev = true;
      extents = await openExtents(lines, ctx, { dev, index: 0 });
    } else {
      if (dev.size > MAX_DESCRIPTOR_BYTES) {
        throw new VmfskitError('BAD_MAGIC', `not a VMDK: no known magic, and ${dev.size} bytes is too large for a descriptor`, { file: display, structure: 'first sector', offset: 0 });
      }
      descriptor = parseDescriptor(await readExact(dev, 0, dev.size, 'descriptor'), display);
      refuseEncrypted(descriptor, display);
      lines = descriptor.extents;
      extents = await openExtents(lines, ctx);
    }
    if (descriptor) warnings.unshift(...descriptor.warnings);
    ok = true;
    return new Layer(layerInfo(display, descriptor, lines, extents, warnings), extents, descriptor, resolver, name);
  } finally {
    if (!keepDev || !ok) await dev.close();
  }
}
