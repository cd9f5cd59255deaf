/**
 * The one tree walker: `ls -R`, `extract`, `hash -r`, `verify --audit` and the
 * mount's readdir see a tree through this module, so they give the same
 * answers for odd names, hard links, directory loops and damaged entries.
 *
 * - A name that cannot be a path component ('' '.' '..', a '/' or NUL in it)
 *   is a damaged entry (badName): listed by `ls` as stored, refused by
 *   `extract`, left out of the mount, reported by `hash -r`.
 * - A directory met twice (a hard-linked directory, or a corrupt entry that
 *   names an ancestor) is a loop: walked once, never followed again.
 * - A file met twice (same FD / inode) is a hard link to the first name.
 */
import { VmfskitError } from '../errors.js';
import { hex } from '../vmfs/address.js';
import type { VmfsStat, VmfsVolume } from '../vmfs/index.js';

const MAX_DEPTH = 256;

export interface DirListing {
  dir: VmfsStat;
  entries: VmfsStat[];
  depth: number;
}

/** Sees the walk as it goes instead of collecting each directory's entries. */
export interface WalkVisitor {
  /** Each directory, before its entries. */
  enter(dir: VmfsStat): void | Promise<void>;
  /** Each entry as it is decoded; it is not kept (the listing yields no entries). */
  entry(e: VmfsStat): void;
}

/** Why a directory entry's name cannot be a path component, or undefined when it can. */
export function badName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `directory entry name ${JSON.stringify(name)} cannot be a file name`;
  if (name.includes('/') || name.includes('\0')) return `directory entry name ${JSON.stringify(name)} holds a '/' or NUL byte`;
  return undefined;
}

/** Identity of a node for loops and hard links: the FD address on VMFS, dev:inode on the host. */
export function nodeKey(st: VmfsStat): string | number {
  return (st as WalkStat).key ?? st.fdAddress;
}

/** Remembers directories entered (loops) and files seen (hard links). */
export class Seen {
  private readonly dirs = new Map<string | number, string>();
  private readonly files = new Map<string | number, string>();

  /** The path this directory was first entered as, or undefined (and remembered) the first time. */
  enterDir(st: VmfsStat): string | undefined {
    const k = nodeKey(st);
    const before = this.dirs.get(k);
    if (before === undefined) this.dirs.set(k, st.path);
    return before;
  }

  /** For a file with more than one link: the first path it was seen under, or undefined the first time. */
  linkOf(st: VmfsStat, path: string): string | undefined {
    if (!(st.nlink > 1)) return undefined;
    const k = nodeKey(st);
    const before = this.files.get(k);
    if (before === undefined) this.files.set(k, path);
    return before;
  }
}

function loopError(address: string, dir: VmfsStat, before: string): VmfskitError {
  const id = typeof nodeKey(dir) === 'number' ? `FD ${hex(dir.fdAddress)}` : `inode ${nodeKey(dir)}`;
  return new VmfskitError('CORRUPT', `directory loop: ${dir.path} is ${id}, already visited as ${before}`, { file: address + dir.path, structure: 'directory entry' });
}

function tooDeep(address: string, dir: VmfsStat): VmfskitError {
  return new VmfskitError('CORRUPT', `directories nested deeper than ${MAX_DEPTH} levels`, { file: address + dir.path });
}

/**
 * Yields each directory with its entries, parents before children, in the
 * order the directories store them (as debugvmfs lists them). A loop ends
 * the walk with an error: a listing must not look complete when it is not.
 */
export async function* walkTree(vol: VmfsVolume, start: VmfsStat, recursive: boolean, descend: (e: VmfsStat) => boolean = () => true, visitor?: WalkVisitor): AsyncGenerator<DirListing> {
  const seen = new Seen();
  const stack: Array<{ dir: VmfsStat; depth: number }> = [{ dir: start, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    const before = seen.enterDir(dir);
    if (before !== undefined) throw loopError(vol.address, dir, before);
    if (depth > MAX_DEPTH) throw tooDeep(vol.address, dir);
    const subdirs: VmfsStat[] = [];
    const below = (e: VmfsStat) => recursive && e.type === 'dir' && descend(e);
    await visitor?.enter(dir);
    const entries = await vol.readdir(
      dir.path,
      visitor &&
        ((e) => {
          visitor.entry(e);
          if (below(e)) subdirs.push(e);
        }),
    );
    if (!visitor) for (const e of entries) if (below(e)) subdirs.push(e);
    yield { dir, entries, depth };
    if (!recursive) continue;
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i]!, depth: depth + 1 });
  }
}

/** A stat as the walker sees it: a VMFS stat, or a host file's (with its raw name bytes). */
export interface WalkStat extends VmfsStat {
  /** Identity for loops and hard links when the FD address is not it (host: "dev:ino"). */
  key?: string;
  /** The path's bytes when the name may not be UTF-8 (host folders); `path` is then its lossy text. */
  raw?: Buffer;
}

/** What the sorted walk reads: a VMFS volume, or a host folder (src/walk/host.ts). */
export interface WalkSource {
  /** Prefix for messages ("lun.img::", or "" on the host). */
  readonly address: string;
  readdir(dir: WalkStat): Promise<WalkStat[]>;
}

export function volumeSource(vol: VmfsVolume): WalkSource {
  return { address: vol.address, readdir: (d) => vol.readdir(d.path) };
}

export type WalkItem =
  /** A non-directory entry (file, symlink, RDM, system file, other); `linkOf` when a hard link to an earlier one. */
  | { kind: 'entry'; st: WalkStat; rel: Buffer; linkOf?: string }
  /** An entry or directory that cannot be walked: a bad name, a loop, a directory that does not read. */
  | { kind: 'problem'; path: string; rel: Buffer; message: string; code: number };

const SLASH = Buffer.from('/');

/** Byte-wise order of full paths: a directory sorts as its name plus '/' (so "a.b" < "a/x", as sort(1) in the C locale). */
function sortKey(e: WalkStat): Buffer {
  const name = e.raw ? e.raw.subarray(e.raw.lastIndexOf(0x2f) + 1) : Buffer.from(e.name);
  return e.type === 'dir' ? Buffer.concat([name, SLASH]) : name;
}

function relOf(parent: Buffer, e: WalkStat): Buffer {
  const name = e.raw ? e.raw.subarray(e.raw.lastIndexOf(0x2f) + 1) : Buffer.from(e.name);
  return parent.length ? Buffer.concat([parent, SLASH, name]) : name;
}

/**
 * Every non-directory under `start`, in byte-wise order of the paths
 * relative to it (`rel`, no leading '/'), one directory's entries in memory
 * at a time plus the stack of those still to visit. Damaged parts are
 * yielded as problems and the walk goes on.
 */
export async function* walkSorted(src: WalkSource, start: WalkStat): AsyncGenerator<WalkItem> {
  const seen = new Seen();
  type Frame = { entries: WalkStat[]; i: number; rel: Buffer; depth: number };
  const stack: Frame[] = [];
  const open = async (dir: WalkStat, rel: Buffer, depth: number): Promise<WalkItem | undefined> => {
    const before = seen.enterDir(dir);
    if (before !== undefined) return { kind: 'problem', path: dir.path, rel, message: loopError(src.address, dir, before).message + ' (not followed)', code: 3 };
    if (depth > MAX_DEPTH) return { kind: 'problem', path: dir.path, rel, message: tooDeep(src.address, dir).message, code: 3 };
    let entries: WalkStat[];
    try {
      entries = await src.readdir(dir);
    } catch (e) {
      if (!(e instanceof VmfskitError) || e.code === 'INTERRUPTED') throw e;
      return { kind: 'problem', path: dir.path, rel, message: `directory not readable: ${e.message}`, code: e.exitCode };
    }
    const keys = entries.map(sortKey);
    const order = entries.map((_, i) => i).sort((a, b) => Buffer.compare(keys[a]!, keys[b]!));
    stack.push({ entries: order.map((i) => entries[i]!), i: 0, rel, depth });
    return undefined;
  };
  if (start.type !== 'dir') {
    yield { kind: 'entry', st: start, rel: Buffer.alloc(0) };
    return;
  }
  const first = await open(start, Buffer.alloc(0), 0);
  if (first) yield first;
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.entries.length) {
      stack.pop();
      continue;
    }
    const e = f.entries[f.i++]!;
    const rel = relOf(f.rel, e);
    const bad = badName(e.name);
    if (bad) {
      yield { kind: 'problem', path: e.path, rel, message: bad, code: 3 };
      continue;
    }
    if (e.type === 'dir') {
      const p = await open(e, rel, f.depth + 1);
      if (p) yield p;
      continue;
    }
    const linkOf = seen.linkOf(e, e.path);
    yield linkOf === undefined ? { kind: 'entry', st: e, rel } : { kind: 'entry', st: e, rel, linkOf };
  }
}
