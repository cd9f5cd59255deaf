/**
 * A delta chain as one BlockDevice (vmdk-format §7): reads ask the top
 * layer and fall through to the parent for byte ranges it does not hold,
 * range by range (layers may have different grain sizes). Each VmdkDisk's
 * `parent` is the chain as it stood before that layer.
 */
import { available, type Run } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';
import { VmfskitError } from '../errors.js';
import { NO_PARENT } from './descriptor.js';
import type { ParentPairing, VmdkDisk, VmdkLayerInfo, VmdkOpenOptions } from './index.js';
import { openLayer, type Layer } from './layer.js';
import { hintWhere, locateParent } from './parent.js';

/** ESXi allows 32 snapshots per disk; twice that is certainly a loop or a forgery. */
export const MAX_LAYERS = 64;

/** A map run of a chain; `present` as in `qemu-img map` (some layer holds or zeroes it). */
export interface VmdkRun extends Run {
  depth: number;
  present: boolean;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function joinable(a: VmdkRun, b: VmdkRun): boolean {
  if (a.kind !== b.kind || a.depth !== b.depth || a.file !== b.file || a.compressed !== b.compressed || a.present !== b.present) return false;
  if (a.fileOffset === undefined || b.fileOffset === undefined) return a.fileOffset === b.fileOffset;
  return a.fileOffset + a.length === b.fileOffset;
}

class VmdkChain implements VmdkDisk {
  readonly name: string;
  readonly size: number;
  readonly layers: VmdkLayerInfo[];

  constructor(
    private readonly stack: Layer[],
    readonly parent: VmdkChain | null,
    /** Only the disk handed to the caller closes the files. */
    private readonly owner: boolean,
    readonly pairings: ParentPairing[] = [],
  ) {
    this.name = stack[0]!.info.filename;
    this.size = stack[0]!.size;
    this.layers = stack.map((l) => l.info);
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    if (n > 0) await this.fill(n === buf.length ? buf : buf.subarray(0, n), offset, 0);
    return n;
  }

  private async fill(buf: Uint8Array, offset: number, depth: number): Promise<void> {
    const layer = this.stack[depth]!;
    // The last layer has nothing to fall through to; when its extents zero-fill what they do not
    // hold, one read covers the range and can join grains that holes separate.
    if (depth + 1 >= this.stack.length && layer.zeroFills) return layer.read(buf, offset);
    const runs = await layer.map(offset, buf.length);
    for (let i = 0; i < runs.length; ) {
      const r = runs[i]!;
      // Neighbouring data runs of this layer become one read: the extent coalesces what lies together on disk.
      let j = i + 1;
      let end = r.offset + r.length;
      if (r.state === 'data') {
        while (j < runs.length && runs[j]!.state === 'data' && runs[j]!.offset === end) end += runs[j++]!.length;
      }
      const sub = buf.subarray(r.offset - offset, end - offset);
      if (r.state === 'data') await layer.read(sub, r.offset);
      else if (r.state === 'zero' || depth + 1 >= this.stack.length) sub.fill(0);
      else await this.fill(sub, r.offset, depth + 1);
      i = j;
    }
  }

  async map(offset: number, length: number): Promise<VmdkRun[]> {
    const len = available(this, offset, length);
    const out: VmdkRun[] = [];
    if (len > 0) await this.collect(offset, len, 0, out);
    const merged: VmdkRun[] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && joinable(last, r)) last.length += r.length;
      else merged.push({ ...r });
    }
    return merged;
  }

  private async collect(offset: number, length: number, depth: number, out: VmdkRun[]): Promise<void> {
    const bottom = depth + 1 >= this.stack.length;
    for (const r of await this.stack[depth]!.map(offset, length)) {
      if (r.state === 'parent' && !bottom) {
        await this.collect(r.offset, r.length, depth + 1, out);
        continue;
      }
      const run: VmdkRun = { offset: r.offset, length: r.length, kind: r.state === 'data' ? 'data' : 'zero', depth, file: r.file, present: r.state !== 'parent' };
      if (r.fileOffset !== undefined && r.state === 'data') run.fileOffset = r.fileOffset;
      if (r.compressed) run.compressed = true;
      out.push(run);
    }
  }

  /** Fill in each layer's allocatedBytes (walks every grain table: not done at open). */
  async computeAllocation(): Promise<void> {
    for (const l of this.stack) {
      if (l.info.allocatedBytes !== undefined) continue;
      let n = 0;
      for (const e of l.extents) n += e.allocatedBytes ? await e.allocatedBytes() : e.size;
      l.info.allocatedBytes = n;
    }
  }

  info(): Record<string, unknown> {
    const top = this.stack[0]!;
    const grain = top.extents.map((e) => e.describe?.()['cluster-size']).find((v) => typeof v === 'number');
    const extentJson = (l: Layer) =>
      l.extents.map((e, i) => {
        const line = l.info.extents[i]!;
        const d = e.describe?.() ?? {};
        return {
          filename: e.file,
          'virtual-size': e.size,
          ...(typeof d['cluster-size'] === 'number' ? { 'cluster-size': d['cluster-size'] } : {}),
          format: line.type,
          ...(d.compressed ? { compressed: true } : {}),
        };
      });
    const out: Record<string, unknown> = {
      'virtual-size': this.size,
      filename: top.info.filename,
      ...(grain !== undefined ? { 'cluster-size': grain } : {}),
      format: 'vmdk',
      'format-specific': {
        type: 'vmdk',
        data: { cid: top.info.cid, 'parent-cid': top.info.parentCid, 'create-type': top.info.createType, extents: extentJson(top) },
      },
    };
    if (this.parent) {
      out['backing-filename'] = top.info.parentFileNameHint ?? this.parent.name;
      out['full-backing-filename'] = this.parent.name;
    }
    out.layers = this.stack.map((l, depth) => ({
      depth,
      filename: l.info.filename,
      'create-type': l.info.createType,
      cid: l.info.cid,
      'parent-cid': l.info.parentCid,
      ...(l.info.parentFileNameHint ? { 'parent-hint': l.info.parentFileNameHint } : {}),
      'virtual-size': l.size,
      ...(l.info.allocatedBytes !== undefined ? { 'allocated-bytes': l.info.allocatedBytes } : {}),
      extents: l.extents.map((e, i) => ({ ...l.info.extents[i], 'virtual-size': e.size, details: e.describe?.() ?? { format: e.format } })),
      ddb: l.info.ddb,
      warnings: l.info.warnings,
    }));
    return out;
  }

  async close(): Promise<void> {
    if (!this.owner) return;
    for (const l of this.stack) await l.close();
  }
}

function cidProblem(child: Layer, parent: Layer): string {
  return `parentCID ${hex(child.info.parentCid)} does not match CID ${hex(parent.info.cid)} of parent ${parent.info.filename}: the parent was written after this delta was made`;
}

function cidMismatch(child: Layer, parent: Layer): VmfskitError {
  const line = child.descriptor?.where('parentCID');
  return new VmfskitError('CHAIN', `${cidProblem(child, parent)} (--ignore-cid reads the chain anyway)`, {
    file: child.info.filename,
    structure: line ? `descriptor line ${line.line} (parentCID)` : 'parentCID',
    ...(line ? { offset: line.byteOffset } : {}),
  });
}

export async function openChain(resolver: Resolver, name: string, opts: VmdkOpenOptions = {}): Promise<VmdkDisk> {
  const stack: Layer[] = [];
  const seen = new Set<string>();
  const pairings: ParentPairing[] = [];
  let at = { resolver, name };
  /** The layer being opened was named by --parent (its child's descriptor did not lead to it). */
  let explicit = false;
  try {
    for (;;) {
      const id = await at.resolver.identity(at.name);
      const child = stack[stack.length - 1];
      const where = child ? hintWhere(child) : { file: at.resolver.display(at.name), structure: 'parentFileNameHint' };
      if (seen.has(id)) throw new VmfskitError('CHAIN', `parent chain loops back to ${at.resolver.display(at.name)}`, where);
      if (stack.length >= MAX_LAYERS) throw new VmfskitError('CHAIN', `chain is deeper than ${MAX_LAYERS} layers (ESXi allows 32 snapshots)`, where);
      seen.add(id);
      const layer = await openLayer(at.resolver, at.name, { redundantGd: opts.redundantGd, ignoreDirtyJournal: opts.ignoreDirtyJournal }, explicit);
      stack.push(layer);
      if (child && explicit) {
        // A lone COWD/SESparse extent keeps its parentCID only in the descriptor that is gone:
        // nothing to check, and the note says so. A hosted sparse delta still carries one.
        const childCid = child.descriptor ? child.info.parentCid : null;
        pairings.push({ child: child.info.filename, parent: layer.info.filename, childParentCid: childCid, parentCid: layer.descriptor ? layer.info.cid : null });
      }
      if (child) {
        if ((!explicit || child.descriptor) && layer.info.cid !== child.info.parentCid) {
          if (!opts.ignoreCidMismatch) throw cidMismatch(child, layer);
          child.info.warnings.push(`${cidProblem(child, layer)}; read anyway (--ignore-cid)`);
        }
        if (layer.size !== child.size) {
          // The child's capacity is what its extent line(s) say: name the first one, with its byte offset.
          const ext = child.descriptor?.extents[0];
          throw new VmfskitError('CHAIN', `capacity ${child.size} bytes differs from its parent ${layer.info.filename} (${layer.size} bytes)`, {
            file: child.info.filename,
            structure: ext ? `extent 1 (descriptor line ${ext.line})` : child.descriptor ? 'extent sizes' : 'header capacity',
            ...(ext ? { offset: ext.byteOffset } : {}),
          });
        }
      }
      const named = opts.parents?.[stack.length - 1];
      if (named) {
        if (!layer.isDelta) {
          throw new VmfskitError('USAGE', `--parent ${named.resolver.display(named.name)} given, but ${layer.info.filename} is not a delta (a base disk has no parent)`, { file: layer.info.filename });
        }
        const lone = layer.info.warnings.findIndex((w) => w.startsWith('a lone '));
        if (lone >= 0) layer.info.warnings.splice(lone, 1, `a lone ${layer.info.extents[0]!.type} delta whose descriptor is gone: read over ${named.resolver.display(named.name)} (--parent)`);
        if (layer.info.parentCid !== NO_PARENT) layer.info.warnings.push(`parent named by --parent: ${named.resolver.display(named.name)} (the descriptor names "${layer.info.parentFileNameHint ?? ''}")`);
        at = named;
        explicit = true;
        continue;
      }
      explicit = false;
      if (layer.info.parentCid === NO_PARENT) break;
      if (opts.noParent) {
        layer.info.warnings.push('opened without its parent: bytes the delta does not hold read as zeros');
        break;
      }
      const loc = await locateParent(layer);
      if (loc.note) layer.info.warnings.push(loc.note);
      at = loc;
    }
  } catch (e) {
    for (const l of stack) await l.close();
    throw e;
  }
  let disk: VmdkChain | null = null;
  for (let i = stack.length - 1; i >= 0; i--) disk = new VmdkChain(stack.slice(i), disk, i === 0, i === 0 ? pairings : []);
  return disk!;
}
