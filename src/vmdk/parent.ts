/**
 * Finding a delta's parent from parentFileNameHint (vmdk-format §7): the
 * hint as written (relative), an absolute ESXi/Windows path mapped onto the
 * evidence, then the fallbacks — base name beside the child, then the
 * hint's last folder as a sibling of the child's folder. A fallback is
 * always reported, never silent.
 */
import type { Resolver } from '../device/resolver.js';
import { VmfskitError } from '../errors.js';
import type { Layer } from './layer.js';

const ABSOLUTE = /^(\/|[A-Za-z]:\/|\/\/)/;

export interface ParentLocation {
  resolver: Resolver;
  name: string;
  /** Set when the parent was found somewhere other than where the hint says. */
  note?: string;
}

/** Where a delta names its parent: its parentFileNameHint line, for errors about the way to the parent. */
export function hintWhere(child: Layer): { file: string; structure: string; offset?: number } {
  const hintLine = child.descriptor?.where('parentFileNameHint');
  return { file: child.info.filename, structure: hintLine ? `descriptor line ${hintLine.line} (parentFileNameHint)` : 'descriptor', ...(hintLine ? { offset: hintLine.byteOffset } : {}) };
}

export async function locateParent(child: Layer): Promise<ParentLocation> {
  const d = child.descriptor;
  const where = hintWhere(child);
  const hint = d?.parentFileNameHint;
  if (!hint) throw new VmfskitError('CHAIN', 'the disk is a delta (parentCID is set) but names no parent (parentFileNameHint missing)', where);
  const dir = child.resolver.dirOf(child.name);
  const norm = hint.replace(/\\/g, '/');
  const parts = norm.split('/').filter(Boolean);
  const base = parts[parts.length - 1] ?? '';
  const candidates: string[] = [];
  if (!ABSOLUTE.test(norm)) candidates.push(norm);
  else {
    const mapped = await dir.mapForeign(hint);
    if (mapped) candidates.push(mapped);
  }
  if (base) candidates.push(base);
  if (parts.length >= 2) candidates.push(`../${parts[parts.length - 2]}/${base}`);
  for (const c of candidates) {
    if (!(await dir.exists(c))) continue;
    const cut = c.lastIndexOf('/');
    const loc: ParentLocation = { resolver: cut >= 0 ? dir.dirOf(c) : dir, name: cut >= 0 ? c.slice(cut + 1) : c };
    if (c !== candidates[0] || ABSOLUTE.test(norm)) loc.note = `parent hint "${hint}" resolved to ${dir.display(c)}`;
    return loc;
  }
  throw new VmfskitError('NOT_FOUND', `parent "${hint}" not found (looked in ${dir.location} for: ${[...new Set(candidates)].join(', ') || base})`, where);
}
