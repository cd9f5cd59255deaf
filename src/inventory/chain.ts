/**
 * A disk's chain as the descriptors tell it: from the descriptor a VM uses
 * now down to its base, following parentFileNameHint (vmdk-format §7). Text
 * descriptors (ESXi) and the descriptors embedded in hosted sparse files are
 * read here; opening the data is the VMDK reader's job. A broken link ends the walk with a reason instead of failing
 * the whole inventory: an examiner still wants to see the rest.
 */
import path from 'node:path';
import type { FolderAccess } from './index.js';
import { MAX_DESCRIPTOR_BYTES, NO_PARENT, parseDescriptor, type Descriptor } from '../vmdk/descriptor.js';
import { KDMV, readEmbeddedDescriptor, readSparseHeader, SECTOR } from '../vmdk/sparse-header.js';
import { isVmfskitError } from '../errors.js';

/** ESXi allows 32 snapshots per disk; anything deeper is a loop or garbage. */
export const MAX_CHAIN_DEPTH = 64;
/** Stand-alone descriptors are a few hundred bytes; larger .vmdk files are data. */
export const MAX_DESCRIPTOR_FILE = 64 * 1024;

export interface ChainLayer {
  /** Folder path of the descriptor, e.g. "/VM/VM-000001.vmdk". */
  path: string;
  createType: string;
  cid: number;
  parentCid: number;
  parentHint?: string;
  /** Virtual size: the sum of the extent lines. */
  size: number;
  extents: Array<{ type: string; sectors: number; file?: string }>;
}

export interface Chain {
  /** Top (the descriptor asked for) first, base last. */
  layers: ChainLayer[];
  /** Why the walk stopped before a base disk, if it did. */
  problem?: string;
}

/** Lists each folder once per inventory run. */
export class FolderCache {
  private readonly dirs = new Map<string, Promise<Map<string, { type: string; size: number }>>>();
  constructor(readonly fa: FolderAccess) {}

  entries(dir: string): Promise<Map<string, { type: string; size: number }>> {
    let p = this.dirs.get(dir);
    if (!p) {
      p = this.fa.list(dir).then(
        (l) => new Map(l.map((e) => [e.name, { type: e.type, size: e.size }])),
        () => new Map(),
      );
      this.dirs.set(dir, p);
    }
    return p;
  }

  async file(p: string): Promise<{ type: string; size: number } | undefined> {
    const e = (await this.entries(path.posix.dirname(p))).get(path.posix.basename(p));
    return e && e.type !== 'dir' ? e : undefined;
  }
}

/**
 * Where a name written in a .vmx, .vmsd or descriptor points inside the folder tree:
 * relative names against `dir`; absolute ESXi/Windows paths by their last
 * directory and file name, then by file name in `dir` (the evidence copy keeps folders, not mount points).
 */
export async function resolveName(cache: FolderCache, dir: string, name: string): Promise<string | null> {
  const parts = name.split(/[\\/]/).filter(Boolean);
  const absolute = /^([\\/]|[A-Za-z]:[\\/])/.test(name);
  const candidates = absolute
    ? [path.posix.join(dir, parts[parts.length - 1] ?? ''), parts.length >= 2 ? path.posix.join(path.posix.dirname(dir), parts[parts.length - 2]!, parts[parts.length - 1]!) : '']
    : [path.posix.normalize(path.posix.join(dir, ...parts))];
  for (const c of candidates) if (c && (await cache.file(c))) return c;
  return null;
}

export async function readLayer(cache: FolderCache, p: string): Promise<ChainLayer> {
  const f = await cache.file(p);
  if (!f) throw new Error(`${cache.fa.display(p)} does not exist`);
  // A sparse file of any size starts with its magic; text is only read from small files.
  const text = f.size > MAX_DESCRIPTOR_FILE ? null : await cache.fa.readText(p, MAX_DESCRIPTOR_BYTES);
  const d = text === null || text.startsWith('KDMV') ? await embedded(cache, p, f.size) : parseDescriptor(Buffer.from(text, 'utf8'), cache.fa.display(p));
  return {
    path: p,
    createType: d.createType,
    cid: d.cid,
    parentCid: d.parentCid,
    parentHint: d.parentFileNameHint,
    size: d.extents.reduce((n, e) => n + e.sectors * 512, 0),
    extents: d.extents.map((e) => ({ type: e.type, sectors: e.sectors, file: e.filename })),
  };
}

/** A hosted sparse disk (Workstation, Fusion, exports) carries its descriptor inside: parent links included. */
async function embedded(cache: FolderCache, p: string, size: number): Promise<Descriptor> {
  const display = cache.fa.display(p);
  const dev = await cache.fa.resolver(path.posix.dirname(p)).open(path.posix.basename(p));
  try {
    const magic = Buffer.alloc(4);
    if (dev.size >= SECTOR) await dev.read(magic, 0);
    if (magic.readUInt32LE(0) !== KDMV) throw new Error(`${display} is not a VMDK descriptor (${size} bytes, no sparse header)`);
    const d = await readEmbeddedDescriptor(dev, (await readSparseHeader(dev)).header, display);
    if (!d) throw new Error(`${display} is a sparse extent without an embedded descriptor (part of a split disk, not a disk)`);
    return d;
  } finally {
    await dev.close();
  }
}

export async function walkChain(cache: FolderCache, top: string): Promise<Chain> {
  const layers: ChainLayer[] = [];
  const seen = new Set<string>();
  let p: string | null = top;
  while (p) {
    if (seen.has(p)) return { layers, problem: `loop: ${cache.fa.display(p)} is its own ancestor` };
    if (layers.length >= MAX_CHAIN_DEPTH) return { layers, problem: `chain deeper than ${MAX_CHAIN_DEPTH} layers` };
    seen.add(p);
    let layer: ChainLayer;
    try {
      layer = await readLayer(cache, p);
    } catch (e) {
      return { layers, problem: isVmfskitError(e) || e instanceof Error ? e.message : String(e) };
    }
    layers.push(layer);
    if (layer.parentCid === NO_PARENT && !layer.parentHint) return { layers };
    if (!layer.parentHint) return { layers, problem: `${cache.fa.display(p)} has parentCID ${layer.parentCid.toString(16)} but no parentFileNameHint` };
    const parent = await resolveName(cache, path.posix.dirname(p), layer.parentHint);
    if (!parent) return { layers, problem: `parent "${layer.parentHint}" of ${cache.fa.display(p)} is missing` };
    p = parent;
  }
  return { layers };
}
