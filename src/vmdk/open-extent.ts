/**
 * One extent line of a descriptor → a LayerExtent (vmdk-format §1.4, §2):
 * finds the named file through the resolver and hands it to the format's
 * reader. Types whose data is not in the evidence (RDM, raw devices, vSAN)
 * are refused with what the line tells.
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';
import { SliceDevice } from '../device/slice-device.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import type { ExtentLine } from './descriptor.js';
import { FlatExtent, ZeroExtent } from './flat-extent.js';
import type { LayerExtent } from './layer-extent.js';
import { readSparseHeader, SECTOR } from './sparse-header.js';
import { SparseExtent, type SparseOptions } from './sparse-extent.js';

/** A device under the name the user would type (relative path or address), closing the original. */
export function named(dev: BlockDevice, name: string): BlockDevice {
  return new SliceDevice(dev, 0, dev.size, name, true);
}

/**
 * The files a layer's extent lines name, each opened once: a descriptor may name one file many
 * times (a damaged one thousands of times), and one handle per line ran out of file descriptors.
 * Each extent gets its own view; the file closes with the last view.
 */
export class OpenFiles {
  private readonly files = new Map<string, { dev: BlockDevice; views: number }>();

  async open(resolver: Resolver, name: string): Promise<BlockDevice> {
    let f = this.files.get(name);
    if (!f) {
      f = { dev: named(await resolver.open(name), resolver.display(name)), views: 0 };
      this.files.set(name, f);
    }
    f.views++;
    return new SharedView(f.dev, async () => {
      if (--f.views > 0) return;
      this.files.delete(name);
      await f.dev.close();
    });
  }
}

class SharedView extends SliceDevice {
  private closed = false;
  constructor(
    dev: BlockDevice,
    private readonly release: () => Promise<void>,
  ) {
    super(dev, 0, dev.size, dev.name);
  }
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }
}

export interface ExtentContext {
  /** Resolver for the directory of the file that holds the descriptor. */
  resolver: Resolver;
  /** The layer's open extent files (one handle per file however often it is named). */
  files: OpenFiles;
  /** That file, as displayed. */
  descriptorFile: string;
  /** The index of this extent (0-based) in the descriptor. */
  index: number;
  sparse: SparseOptions;
  warnings: string[];
}

const DEVICE_PATH = /^(\/dev\/|\/vmfs\/devices\/|\\\\\.\\|vsan:\/\/)/i;
const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/** Where the extent's file is, as a name the resolver can open; null when it is absent. */
async function locate(line: ExtentLine, ctx: ExtentContext, where: ErrorWhere): Promise<string | null> {
  const fname = line.filename!;
  if (DEVICE_PATH.test(fname)) {
    throw new VmfskitError('UNSUPPORTED', `${line.type} extent names the device "${fname}": its data is on that device, not in these files; image the device itself`, where);
  }
  if (ABSOLUTE.test(fname)) return ctx.resolver.mapForeign(fname);
  const rel = fname.replace(/\\/g, '/');
  return (await ctx.resolver.exists(rel)) ? rel : null;
}

export async function openExtent(line: ExtentLine, ctx: ExtentContext): Promise<LayerExtent> {
  const where = { file: ctx.descriptorFile, structure: `extent ${ctx.index + 1} (descriptor line ${line.line})`, offset: line.byteOffset };
  const size = line.sectors * SECTOR;
  switch (line.type) {
    case 'ZERO':
      return new ZeroExtent(size, ctx.descriptorFile);
    case 'VMFSRDM':
    case 'VMFSRAW':
      // Hook (deltas issue, src/vmdk/rdm.ts): `info` shows the mapping; reads fail saying where the data is.
      return (await import('./rdm.js')).openRdmExtent(line, ctx.resolver, where);
    case 'VSANSPARSE':
      throw new VmfskitError('UNSUPPORTED', `vSAN sparse extent "${line.filename}" (${line.sectors} sectors): vSAN objects cannot be read from files`, where);
    case 'FLAT':
    case 'VMFS':
    case 'SPARSE':
    case 'VMFSSPARSE':
    case 'SESPARSE':
      break;
    default:
      throw new VmfskitError('UNSUPPORTED', `unknown extent type ${line.type}`, where);
  }

  const name = await locate(line, ctx, where);
  if (name === null) {
    if (line.access === 'NOACCESS') {
      ctx.warnings.push(`extent ${ctx.index + 1}: NOACCESS extent "${line.filename}" is absent: its ${line.sectors} sectors read as zeros`);
      return new ZeroExtent(size, ctx.descriptorFile);
    }
    throw new VmfskitError('NOT_FOUND', `extent file "${line.filename}" does not exist (looked in ${ctx.resolver.location})`, where);
  }
  if (line.access === 'NOACCESS') ctx.warnings.push(`extent ${ctx.index + 1}: "${line.filename}" is marked NOACCESS; read anyway`);
  const dev = await ctx.files.open(ctx.resolver, name);
  try {
    return await openOnFile(line, dev, size, ctx, where);
  } catch (e) {
    await dev.close();
    throw e;
  }
}

/** The extent reader for `line.type`, on an already opened file. */
export async function openOnFile(line: ExtentLine, dev: BlockDevice, size: number, ctx: ExtentContext, where: ErrorWhere & { file: string; structure: string; offset: number }): Promise<LayerExtent> {
  switch (line.type) {
    case 'FLAT':
    case 'VMFS':
      return FlatExtent.open(dev, size, line.offset ?? 0, where);
    case 'SPARSE': {
      const hr = await readSparseHeader(dev);
      ctx.warnings.push(...hr.warnings);
      if (hr.header.capacity !== line.sectors) {
        ctx.warnings.push(`extent ${ctx.index + 1}: descriptor says ${line.sectors} sectors, the sparse header says ${hr.header.capacity}; the descriptor is used for the layout`);
      }
      if (hr.header.uncleanShutdown) ctx.warnings.push(`${dev.name}: sparse header says the file was not closed cleanly (uncleanShutdown = ${hr.header.uncleanShutdown})`);
      return SparseExtent.open(dev, size, hr, ctx.sparse, ctx.warnings);
    }
    case 'VMFSSPARSE':
      return (await import('./cowd.js')).openCowdExtent(dev, size, { warnings: ctx.warnings });
    case 'SESPARSE':
      return (await import('./sesparse.js')).openSesparseExtent(dev, size, { ignoreDirtyJournal: ctx.sparse.ignoreDirtyJournal, warnings: ctx.warnings });
    default:
      throw new VmfskitError('UNSUPPORTED', `unknown extent type ${line.type}`, where);
  }
}
