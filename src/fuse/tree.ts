/**
 * What a mount shows, independent of FUSE: a read-only tree of directories,
 * files (each backed by a BlockDevice) and symlinks. A VMFS volume is one
 * tree; the virtual `.disks/` folder and the info file are an in-memory tree
 * laid over it.
 */
import type { BlockDevice } from '../device/block-device.js';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface NodeAttr {
  /** Permission and file-type bits (S_IF*). */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Milliseconds since 1970. */
  mtime: number;
  atime: number;
  ctime: number;
  /** 512-byte units actually allocated, for `du` (thin files: fewer than the size). */
  blocks?: number;
}

export interface FileNode {
  kind: 'file';
  attr: NodeAttr;
  /** The file's bytes. `shared` devices stay open for the life of the mount; others are closed after the last handle. */
  open(): Promise<BlockDevice>;
  shared: boolean;
  /** Set when the file has no readable data (RDM): reads fail with EIO and this reason is logged. */
  noData?: string;
}

export type TreeNode = { kind: 'dir'; attr: NodeAttr } | FileNode | { kind: 'symlink'; attr: NodeAttr; target: string };

export interface VolumeUsage {
  blockSize: number;
  totalBlocks: number;
  freeBlocks: number;
  totalFiles: number;
  freeFiles: number;
}

export interface Tree {
  /** The node at an absolute '/'-separated path, or undefined when there is none. */
  lookup(path: string): Promise<TreeNode | undefined>;
  /** Names in a directory (no "." / ".."), or undefined when `path` is not a directory here. */
  list(path: string): Promise<string[] | undefined>;
  usage(): VolumeUsage | undefined;
  close(): Promise<void>;
}

/** Attributes of a synthetic node: read-only for everyone, times of the mount (or the source). */
export function syntheticAttr(type: number, size: number, timeMs: number): NodeAttr {
  const perm = type === S_IFDIR ? 0o555 : 0o444;
  return { mode: type | perm, size, uid: 0, gid: 0, nlink: type === S_IFDIR ? 2 : 1, mtime: timeMs, atime: timeMs, ctime: timeMs, blocks: Math.ceil(size / 512) };
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** In-memory tree for synthetic folders and files; directories are created as paths are added. */
export class MemTree implements Tree {
  private readonly nodes = new Map<string, TreeNode>();
  private readonly children = new Map<string, string[]>();

  constructor(readonly timeMs: number) {
    this.nodes.set('/', { kind: 'dir', attr: syntheticAttr(S_IFDIR, 0, timeMs) });
    this.children.set('/', []);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  add(path: string, node: TreeNode): void {
    if (this.nodes.has(path)) throw new Error(`duplicate synthetic path ${path}`);
    this.mkdirs(parentOf(path));
    this.nodes.set(path, node);
    this.children.get(parentOf(path))!.push(baseOf(path));
    if (node.kind === 'dir') this.children.set(path, []);
  }

  private mkdirs(dir: string): void {
    if (this.nodes.has(dir)) return;
    this.add(dir, { kind: 'dir', attr: syntheticAttr(S_IFDIR, 0, this.timeMs) });
  }

  async lookup(path: string): Promise<TreeNode | undefined> {
    return this.nodes.get(path);
  }

  async list(path: string): Promise<string[] | undefined> {
    return this.children.get(path)?.slice();
  }

  /** For `df` on a mount without a volume: the views' total size, nothing free. */
  usage(): VolumeUsage | undefined {
    let bytes = 0;
    for (const n of this.nodes.values()) if (n.kind === 'file') bytes += n.attr.size;
    const blockSize = 1 << 20;
    return { blockSize, totalBlocks: Math.ceil(bytes / blockSize), freeBlocks: 0, totalFiles: this.nodes.size, freeFiles: 0 };
  }

  /** Every file node, for closing the shared devices at the end. */
  files(): FileNode[] {
    return [...this.nodes.values()].filter((n): n is FileNode => n.kind === 'file');
  }

  async close(): Promise<void> {}
}

/**
 * `top` laid over `base`: a path that exists in `top` hides the same path in
 * `base`; directory listings are merged. The root's attributes come from
 * `base` (the volume's root directory).
 */
export class OverlayTree implements Tree {
  constructor(
    private readonly top: MemTree,
    private readonly base: Tree,
  ) {}

  async lookup(path: string): Promise<TreeNode | undefined> {
    if (path !== '/' && this.top.has(path)) return this.top.lookup(path);
    return (await this.base.lookup(path)) ?? this.top.lookup(path);
  }

  async list(path: string): Promise<string[] | undefined> {
    const [a, b] = await Promise.all([this.base.list(path), this.top.list(path)]);
    if (!a) return b;
    if (!b) return a;
    const seen = new Set(a);
    return a.concat(b.filter((n) => !seen.has(n)));
  }

  usage(): VolumeUsage | undefined {
    return this.base.usage();
  }

  async close(): Promise<void> {
    await this.base.close();
  }
}
