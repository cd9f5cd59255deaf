/**
 * The VMFS volume as a mount tree: names, sizes, modes, owners and times as
 * stored (what vmfs-fuse and debugvmfs show), symlinks, RDM mapping files
 * with their size and no data. Stat and listing results are kept: the tree
 * is immutable evidence, so nothing ever goes stale.
 */
import { Lru } from '../device/lru.js';
import { badName } from '../walk/walk.js';
import { isVmfskitError } from '../errors.js';
import type { VmfsStat, VmfsVolume } from '../vmfs/index.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type NodeAttr, type Tree, type TreeNode, type VolumeUsage } from './tree.js';

const TYPE_BITS: Record<VmfsStat['type'], number> = {
  file: S_IFREG,
  dir: S_IFDIR,
  symlink: S_IFLNK,
  rdm: S_IFREG,
  system: S_IFREG,
  other: S_IFREG,
};

export function attrOf(st: VmfsStat): NodeAttr {
  // The reader gives type bits with the mode; if a type has none, derive them so the kernel sees a sane node.
  const mode = st.mode & S_IFMT ? st.mode : st.mode | TYPE_BITS[st.type];
  const sec = (s: number) => (Number.isFinite(s) && s > 0 ? s * 1000 : 0);
  return {
    mode,
    size: st.size,
    uid: st.uid,
    gid: st.gid,
    nlink: st.nlink,
    mtime: sec(st.mtime),
    atime: sec(st.atime),
    ctime: sec(st.ctime),
    blocks: Math.ceil((st.type === 'rdm' ? 0 : st.allocated) / 512),
  };
}

export class VmfsTree implements Tree {
  private readonly stats = new Lru<string, TreeNode | null>(4096);
  private readonly lists = new Lru<string, string[] | null>(512);

  constructor(
    readonly volume: VmfsVolume,
    private readonly usageInfo: VolumeUsage | undefined,
  ) {}

  private node(st: VmfsStat): TreeNode {
    const attr = attrOf(st);
    if (st.type === 'dir') return { kind: 'dir', attr };
    if (st.type === 'symlink') return { kind: 'symlink', attr, target: st.symlinkTarget ?? '' };
    return {
      kind: 'file',
      attr,
      shared: false,
      open: () => this.volume.openFile(st.path),
      noData: st.type === 'rdm' ? 'raw device mapping (RDM): the data is on a LUN that is not part of this image' : undefined,
    };
  }

  async lookup(path: string): Promise<TreeNode | undefined> {
    const v = await this.stats.getOrLoad(path, async () => {
      try {
        const st = await this.volume.stat(path);
        if (st.type === 'symlink' && st.symlinkTarget === undefined) st.symlinkTarget = await this.volume.readlink(path);
        return this.node(st);
      } catch (e) {
        if (isVmfskitError(e) && e.code === 'NOT_FOUND') return null;
        throw e;
      }
    });
    return v ?? undefined;
  }

  async list(path: string): Promise<string[] | undefined> {
    const v = await this.lists.getOrLoad(path, async () => {
      const node = await this.lookup(path);
      if (!node || node.kind !== 'dir') return null;
      const entries = await this.volume.readdir(path);
      const names: string[] = [];
      for (const st of entries) {
        // Damaged names are left out, as every walker of src/walk/ treats them.
        if (badName(st.name)) continue;
        names.push(st.name);
        // Symlinks need their target: leave those to lookup().
        if (st.type !== 'symlink' || st.symlinkTarget !== undefined) this.stats.set(childPath(path, st.name), this.node(st));
      }
      return names;
    });
    return v ?? undefined;
  }

  usage(): VolumeUsage | undefined {
    return this.usageInfo;
  }

  async close(): Promise<void> {
    await this.volume.close();
  }
}

export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
