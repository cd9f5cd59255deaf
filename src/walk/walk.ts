/** Depth-first walk of a VMFS directory tree, guarded against directory loops. */
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

/**
 * Yields each directory with its entries, parents before children. A
 * directory FD met twice (a hard-linked directory or a corrupt entry
 * pointing up the tree) is a loop: walking it would never end.
 */
export async function* walkTree(vol: VmfsVolume, start: VmfsStat, recursive: boolean, descend: (e: VmfsStat) => boolean = () => true, visitor?: WalkVisitor): AsyncGenerator<DirListing> {
  const seen = new Map<number, string>();
  const stack: Array<{ dir: VmfsStat; depth: number }> = [{ dir: start, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    const before = seen.get(dir.fdAddress);
    if (before !== undefined) {
      throw new VmfskitError('CORRUPT', `directory loop: ${dir.path} is FD ${hex(dir.fdAddress)}, already visited as ${before}`, { file: vol.address + dir.path, structure: 'directory entry' });
    }
    if (depth > MAX_DEPTH) throw new VmfskitError('CORRUPT', `directories nested deeper than ${MAX_DEPTH} levels`, { file: vol.address + dir.path });
    seen.set(dir.fdAddress, dir.path);
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
