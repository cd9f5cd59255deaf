/**
 * From an address to the tree a mount shows:
 *   a LUN image / device / partition holding VMFS -> the volume's tree, plus
 *     `/.disks/<VM>/<disk>[@<state>].raw` and `/.vmfskit-info.txt`;
 *   a VMDK (host or `lun.img::/…`) -> `<disk>.raw` and one raw view per
 *     earlier state of its chain, plus the info file;
 *   anything else (a raw image, a plain file in a volume) -> its bytes as one file.
 */
import path from 'node:path';
import { VmfskitError } from '../errors.js';
import { formatAddress, hostHasVmfs, openAddress, openVolume, parseAddress, type OpenOptions } from '../open.js';
import type { VmfsVolume } from '../vmfs/index.js';
import { existsSync } from 'node:fs';
import { chainViews, folderViews, labelChain, partitionViews, safeName, stem, type DiskView } from './disk-views.js';
import { infoText, textNode, type InfoFacts } from './info-text.js';
import type { Log } from './ops.js';
import { MemTree, OverlayTree, S_IFREG, syntheticAttr, type Tree, type VolumeUsage } from './tree.js';
import { HostFolderAccess, VmfsFolderAccess } from '../inventory/index.js';
import { VmfsTree } from './vmfs-tree.js';

export const INFO_FILE = '/.vmfskit-info.txt';
export const DISKS_DIR = '/.disks';

export interface MountSource {
  tree: Tree;
  /** Views whose devices the mount owns (closed at the end). */
  close(): Promise<void>;
}

export async function buildMountSource(addr: string, opts: OpenOptions, log: Log): Promise<MountSource> {
  const a = parseAddress(addr);
  const facts: InfoFacts = { source: formatAddress(path.resolve(a.host), a.inner), mountedAt: new Date(), kind: '', views: [], notes: [] };
  const mem = new MemTree(facts.mountedAt.getTime());
  // `guest.raw#p1` (a partition address) is no host file: it goes the openAddress way.
  if (a.inner === undefined && existsSync(a.host) && (await hostHasVmfs(a.host, opts.sectorSize))) {
    const volume = await openVolume(a.host, opts);
    try {
      facts.kind = 'VMFS volume';
      facts.volume = volume.info();
      // What could not be shown goes into the info file too, not only into the log.
      const noted: Log = (line) => {
        facts.notes.push(line);
        log(line);
      };
      facts.views = await folderViews(new VmfsFolderAccess(volume), DISKS_DIR, opts, noted);
      if (facts.views.length === 0) facts.notes.push('no virtual disk found on this volume: .disks is empty');
      mem.add(DISKS_DIR, { kind: 'dir', attr: syntheticAttr(0o040000, 0, facts.mountedAt.getTime()) });
      addViews(mem, facts.views);
      await addPartitionViews(mem, facts, facts.views.map((v) => ({ path: v.path, device: v.disk })), opts, noted);
      mem.add(INFO_FILE, textNode(infoText(facts), INFO_FILE, facts.mountedAt.getTime()));
      const tree = new OverlayTree(mem, new VmfsTree(volume, await volumeUsage(volume, log)));
      return { tree, close: () => closeAll(facts.views, tree) };
    } catch (e) {
      await closeAll(facts.views, volume);
      throw e;
    }
  }
  if (opts.partition !== undefined || (opts.extents?.length ?? 0) > 0) {
    throw new VmfskitError('USAGE', '--partition and --extent apply to a LUN image holding VMFS, and no VMFS volume was found here', { file: a.host });
  }
  const opened = await openAddress(addr, opts);
  try {
    if (opened.kind === 'vmdk' && opened.vmdk) {
      facts.kind = 'VMDK';
      const file = a.inner ?? path.resolve(a.host);
      const fa = opened.volume ? new VmfsFolderAccess(opened.volume) : new HostFolderAccess(path.dirname(file));
      facts.views = await labelChain(fa, opened.volume ? path.posix.dirname(file) : '/', chainViews('', stem(file), opened.vmdk), log);
    } else {
      facts.kind = 'raw bytes (neither a VMFS volume nor a VMDK was recognized)';
      const name = `/${safeName(path.posix.basename((a.inner ?? a.host).replace(/\\/g, '/')))}`;
      const dev = opened.device;
      mem.add(name, { kind: 'file', attr: syntheticAttr(S_IFREG, dev.size, facts.mountedAt.getTime()), shared: true, open: async () => dev });
      facts.files = [{ path: name, size: dev.size }];
    }
    if (opened.volume) facts.volume = opened.volume.info();
    addViews(mem, facts.views);
    const disks = facts.views.length ? facts.views.map((v) => ({ path: v.path, device: v.disk })) : (facts.files ?? []).map((f) => ({ path: f.path, device: opened.device }));
    await addPartitionViews(mem, facts, disks, opts, log);
    mem.add(INFO_FILE, textNode(infoText(facts), INFO_FILE, facts.mountedAt.getTime()));
    return { tree: mem, close: () => opened.close() };
  } catch (e) {
    await opened.close();
    throw e;
  }
}

/** `VM-p1.raw` … next to each disk view (disk-views.ts partitionViews), listed in the info file. */
async function addPartitionViews(mem: MemTree, facts: InfoFacts, disks: Array<{ path: string; device: import('../device/block-device.js').BlockDevice }>, opts: OpenOptions, log: Log): Promise<void> {
  const parts = await partitionViews(disks, opts.sectorSize, log);
  facts.partitions = parts;
  const taken = new Set([...facts.views.map((v) => v.path), ...(facts.files ?? []).map((f) => f.path)]);
  for (const p of parts) {
    if (taken.has(p.path)) {
      log(`${p.path}: not shown, the name is taken`);
      continue;
    }
    mem.add(p.path, { kind: 'file', attr: syntheticAttr(S_IFREG, p.size, mem.timeMs), shared: true, open: async () => p.device });
  }
}

function addViews(mem: MemTree, views: DiskView[]): void {
  for (const v of views) {
    mem.add(v.path, { kind: 'file', attr: syntheticAttr(S_IFREG, v.disk.size, mem.timeMs), shared: true, open: async () => v.disk });
  }
}

/** Close the top disk of each chain once (parents belong to their child), then the volume. */
async function closeAll(views: DiskView[], last: { close(): Promise<void> }): Promise<void> {
  const parents = new Set(views.flatMap((v) => collectParents(v)));
  for (const v of views) if (!parents.has(v.disk)) await v.disk.close().catch(() => undefined);
  await last.close();
}

function collectParents(v: DiskView): unknown[] {
  const out: unknown[] = [];
  for (let d = v.disk.parent, i = 0; d && i < 256; d = d.parent, i++) out.push(d);
  return out;
}

/**
 * Block size and counts for `df`. The VMFS contract has no usage call; the
 * volume class offers `usage()` (from .fbb.sf, like `debugvmfs df`), used
 * when present, else the block size from info() with unknown counts.
 */
export async function volumeUsage(volume: VmfsVolume, log: Log): Promise<VolumeUsage | undefined> {
  const withUsage = volume as VmfsVolume & { usage?: () => Promise<{ blocks: number; free: number; 'block-size': number }> };
  const blockSize = volume.info()['block-size'];
  if (typeof blockSize !== 'number' || !(blockSize > 0)) return undefined;
  const usage: VolumeUsage = { blockSize, totalBlocks: 0, freeBlocks: 0, totalFiles: 0, freeFiles: 0 };
  if (typeof withUsage.usage === 'function') {
    try {
      const u = await withUsage.usage();
      usage.totalBlocks = u.blocks;
      usage.freeBlocks = u.free;
    } catch (e) {
      log(`df figures unavailable: ${(e as Error).message}`);
    }
  }
  return usage;
}
