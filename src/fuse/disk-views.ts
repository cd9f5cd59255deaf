/**
 * Which raw views a mount offers: one flat file per virtual disk and per
 * snapshot state of it (the disk as it stood before each delta layer, like
 * vmdkmount's vmdk1..vmdkN, but named after the state).
 *
 * On a datastore the inventory (.vmx/.vmsd) names the states; when it finds
 * none, every VMDK descriptor that no other disk uses as a parent is taken as
 * the current state of a disk, and its parents as the earlier states.
 */
import path from 'node:path';
import { findDiskStates, type DiskState, type FolderAccess } from '../inventory/index.js';
import { openVmdk, type VmdkDisk, type VmdkOpenOptions } from '../vmdk/index.js';
import type { Log } from './ops.js';

export interface DiskView {
  /** Path in the mount, e.g. "/.disks/VM/VM@Before-update.raw". */
  path: string;
  disk: VmdkDisk;
  /** The inventory's facts, when it named this state. */
  state?: DiskState;
}

/** A chain is at most this deep; deeper means a loop the reader did not catch, or a hostile image. */
const MAX_CHAIN = 256;
/** Walk at most this much of a datastore looking for descriptors. */
const MAX_DIRS = 10_000;
const MAX_DEPTH = 16;

/** Files named like extents of another disk: never a disk of their own. */
const EXTENT_NAME = /-(flat|delta|sesparse|ctk|rdm|rdmp|s\d{3}|f\d{3})\.vmdk$/i;

export function safeName(s: string): string {
  const clean = s.replace(/[\u0000/]/g, '_').trim();
  return clean === '' || clean === '.' || clean === '..' ? '_' : clean;
}

export function stem(file: string): string {
  return path.posix.basename(file.replace(/\\/g, '/')).replace(/\.vmdk$/i, '');
}

/** `dir/name.raw` for the disk, `dir/name@<parent file>.raw` for each earlier state. */
export function chainViews(dir: string, name: string, top: VmdkDisk): DiskView[] {
  const out: DiskView[] = [{ path: `${dir}/${safeName(name)}.raw`, disk: top }];
  let d = top.parent;
  for (let depth = 0; d && depth < MAX_CHAIN; depth++, d = d.parent) {
    out.push({ path: `${dir}/${safeName(`${name}@${stem(d.layers[0]?.filename ?? `layer${depth + 1}`)}`)}.raw`, disk: d });
  }
  return out;
}

/**
 * Rename the views of one chain after the inventory's states when a .vmx/.vmsd
 * in `dir` describes them ("VM.raw", "VM@Before-update.raw"); views the
 * inventory does not name keep their chain names.
 */
export async function labelChain(fa: FolderAccess, dir: string, views: DiskView[], log: Log): Promise<DiskView[]> {
  let states: DiskState[] = [];
  try {
    states = await findDiskStates(fa, dir);
  } catch (e) {
    log(`inventory: ${(e as Error).message}`);
  }
  const inDir = new Map(states.filter((s) => path.posix.dirname(s.descriptor) === dir).map((s) => [path.posix.basename(s.descriptor), s]));
  const labelled = views.map((v) => {
    const st = inDir.get(path.posix.basename((v.disk.layers[0]?.filename ?? '').replace(/\\/g, '/')));
    if (!st) return v;
    return { path: `${path.posix.dirname(v.path)}/${safeName(st.label.replace(/\.raw$/i, ''))}.raw`.replace(/^\/\//, '/'), disk: v.disk, state: st };
  });
  return uniquePaths(labelled);
}

/** Make paths unique ("x.raw", "x~2.raw") without reordering. */
export function uniquePaths(views: DiskView[]): DiskView[] {
  const seen = new Set<string>();
  return views.map((v) => {
    let p = v.path;
    for (let i = 2; seen.has(p); i++) p = v.path.replace(/\.raw$/, `~${i}.raw`);
    seen.add(p);
    return p === v.path ? v : { ...v, path: p };
  });
}

/** Views of every disk state in a folder tree (a datastore), under `prefix`. Failures are logged, not fatal. */
export async function folderViews(fa: FolderAccess, prefix: string, opts: VmdkOpenOptions, log: Log): Promise<DiskView[]> {
  let states: DiskState[] = [];
  try {
    states = await findDiskStates(fa, '/');
  } catch (e) {
    log(`inventory: ${(e as Error).message}`);
  }
  const views: DiskView[] = [];
  if (states.length > 0) {
    for (const st of states) {
      const disk = await tryOpen(fa, st.descriptor, opts, log);
      if (!disk) continue;
      const label = st.label.replace(/\.raw$/i, '');
      views.push({ path: `${prefix}/${safeName(st.vm)}/${safeName(label)}.raw`, disk, state: st });
    }
    return uniquePaths(views);
  }
  const disks: Array<{ file: string; disk: VmdkDisk }> = [];
  for (const file of await findDescriptors(fa, log)) {
    const disk = await tryOpen(fa, file, opts, log);
    if (disk) disks.push({ file, disk });
  }
  // A disk that is some other disk's parent is an earlier state of that disk, not a disk of its own.
  const parents = new Set<string>();
  for (const { disk } of disks) for (const l of disk.layers.slice(1)) parents.add(l.filename);
  for (const { file, disk } of disks) {
    if (parents.has(disk.layers[0]?.filename ?? '')) {
      await disk.close().catch(() => undefined);
      continue;
    }
    const vmDir = path.posix.basename(path.posix.dirname(file)) || 'root';
    views.push(...chainViews(`${prefix}/${safeName(vmDir)}`, stem(file), disk));
  }
  return uniquePaths(views);
}

async function tryOpen(fa: FolderAccess, file: string, opts: VmdkOpenOptions, log: Log): Promise<VmdkDisk | null> {
  try {
    return await openVmdk(fa.resolver(path.posix.dirname(file)), path.posix.basename(file), opts);
  } catch (e) {
    log(`${fa.display(file)}: not shown under .disks: ${(e as Error).message}`);
    return null;
  }
}

/** Descriptor-like *.vmdk files in the tree, breadth first, bounded. */
async function findDescriptors(fa: FolderAccess, log: Log): Promise<string[]> {
  const found: string[] = [];
  const queue: Array<{ dir: string; depth: number }> = [{ dir: '/', depth: 0 }];
  for (let visited = 0; queue.length > 0 && visited < MAX_DIRS; visited++) {
    const { dir, depth } = queue.shift()!;
    let entries;
    try {
      entries = await fa.list(dir);
    } catch (e) {
      log(`${fa.display(dir)}: ${(e as Error).message}`);
      continue;
    }
    for (const e of entries) {
      const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
      if (e.type === 'dir' && depth < MAX_DEPTH && !e.name.startsWith('.')) queue.push({ dir: p, depth: depth + 1 });
      else if (e.type === 'file' && /\.vmdk$/i.test(e.name) && !EXTENT_NAME.test(e.name)) found.push(p);
    }
  }
  return found.sort();
}
