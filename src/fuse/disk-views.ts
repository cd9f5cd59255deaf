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
import type { BlockDevice } from '../device/block-device.js';
import { openVmdk, type VmdkDisk, type VmdkOpenOptions } from '../vmdk/index.js';
import type { Log } from './ops.js';

/** A partition of a disk view (`VM-p2.raw`), or its repaired view (`VM-p2-repaired.raw`). */
export interface PartitionView {
  path: string;
  device: BlockDevice;
  /** The disk view's path. */
  of: string;
  number: number;
  start: number;
  size: number;
  /** What the repaired view changed (the evidence is not changed). */
  patches?: Array<{ offset: number; length: number; why: string }>;
}

/**
 * Every partition of each disk as a raw view next to it — `dir/VM.raw` gets
 * `dir/VM-p1.raw`, `dir/VM-p2.raw` … (table numbering; for a disk without a
 * readable table, the candidates of `partitions --scan`), so `fls` needs no
 * `-o` — and, where a partition's first block is destroyed but a backup
 * survives, `dir/VM-pN-repaired.raw`. Failures are logged, not fatal.
 */
export async function partitionViews(disks: Array<{ path: string; device: BlockDevice }>, sectorSize: 512 | 4096 | undefined, log: Log): Promise<PartitionView[]> {
  const { readTable } = await import('../partition/index.js');
  const { describePartitions } = await import('../partition/guest.js');
  const { scanDisk } = await import('../partition/scan.js');
  const { SliceDevice } = await import('../device/slice-device.js');
  const { PatchedDevice } = await import('../device/patched-device.js');
  const out: PartitionView[] = [];
  for (const d of disks) {
    const base = d.path.replace(/\.raw$/i, '');
    try {
      const table = await readTable(d.device, sectorSize).catch(() => null);
      const parts: Array<{ number: number; start: number; size: number; repair?: Awaited<ReturnType<typeof import('../partition/repair.js').planRepair>> }> = [];
      if (table && table.partitions.some((p) => !p.container)) {
        for (const p of await describePartitions(d.device, table)) {
          if (p.container || p.problems || p.size === 0) continue;
          parts.push({ number: p.index, start: p.start, size: p.size, repair: p.repair });
        }
      } else {
        const { planRepair } = await import('../partition/repair.js');
        for (const c of (await scanDisk(d.device, sectorSize)).candidates) {
          if (c.size === undefined || c.start + c.size > d.device.size) continue;
          const repair = c.primaryDestroyed ? await planRepair(new SliceDevice(d.device, c.start, c.size)) : null;
          parts.push({ number: c.number, start: c.start, size: c.size, repair });
        }
      }
      for (const p of parts) {
        const slice = new SliceDevice(d.device, p.start, p.size, `${d.path}#p${p.number}`);
        out.push({ path: `${base}-p${p.number}.raw`, device: slice, of: d.path, number: p.number, start: p.start, size: p.size });
        if (p.repair) {
          const device = new PatchedDevice(slice, p.repair.patches, `${d.path}#p${p.number}:repaired`);
          out.push({ path: `${base}-p${p.number}-repaired.raw`, device, of: d.path, number: p.number, start: p.start, size: p.size, patches: p.repair.patches.map((x) => ({ offset: x.offset, length: x.bytes.length, why: x.why })) });
        }
      }
    } catch (e) {
      log(`${d.path}: partitions not shown: ${(e as Error).message}`);
    }
  }
  return out;
}

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
