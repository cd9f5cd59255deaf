/**
 * Which descriptor a delta extent belongs to, so that an examiner who named
 * x-000001-delta.vmdk is told which address opens the snapshot's disk. ESXi
 * keeps a delta next to the descriptor that names it; the folder's small
 * files are read as the snapshot inventory reads them.
 */
import path from 'node:path';
import { parseAddress, type Opened } from '../open.js';
import { FolderCache, MAX_DESCRIPTOR_FILE, readLayer } from '../inventory/chain.js';
import { HostFolderAccess, VmfsFolderAccess } from '../inventory/index.js';
import type { FolderAccess } from '../inventory/index.js';

/** Addresses of the descriptors in the extent's folder whose extent lines name it. */
export async function descriptorsNaming(opened: Opened): Promise<string[]> {
  const a = parseAddress(opened.address);
  let fa: FolderAccess;
  let file: string;
  if (a.inner !== undefined && opened.volume) {
    fa = new VmfsFolderAccess(opened.volume);
    file = path.posix.normalize(a.inner);
  } else {
    fa = new HostFolderAccess(path.dirname(path.resolve(a.host)));
    file = '/' + path.basename(a.host);
  }
  const dir = path.posix.dirname(file);
  const base = path.posix.basename(file);
  const cache = new FolderCache(fa);
  const owners: string[] = [];
  for (const [name, e] of [...(await cache.entries(dir))].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (name === base || e.type !== 'file' || e.size > MAX_DESCRIPTOR_FILE) continue;
    const p = path.posix.join(dir, name);
    // .vmx, .vmsd, logs and other descriptors' extents are not it: anything unreadable as a descriptor is skipped.
    const layer = await readLayer(cache, p).catch(() => null);
    if (layer?.extents.some((x) => x.file !== undefined && x.file.split(/[\\/]/).pop() === base)) owners.push(fa.display(p));
  }
  return owners;
}
