/**
 * FUSE operations over a Tree: lookups, listings, open handles and reads.
 * Every handler answers asynchronously and never blocks the event loop (the
 * mount, the other readers and the signal handlers all share it). Write-side
 * operations are not implemented at all: the mount is `ro`, so the kernel
 * refuses them with EROFS before asking us.
 */
import { constants as C } from 'node:fs';
import type { BlockDevice } from '../device/block-device.js';
import { isVmfskitError } from '../errors.js';
import { ERR, type FuseCb, type FuseOps } from './binding.js';
import { ReadWindow, type ReaderState } from './read-window.js';
import { S_IFDIR, S_IFMT, type FileNode, type NodeAttr, type Tree } from './tree.js';

export type Log = (line: string) => void;

interface OpenDevice {
  device: Promise<BlockDevice>;
  window?: ReadWindow;
  refs: number;
  shared: boolean;
}

interface Handle {
  path: string;
  node: FileNode;
  dev: OpenDevice;
  state: ReaderState;
}

/** An answer that is not a failure of ours (ENOENT, EISDIR): returned to the kernel, not logged. */
class Errno extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** Handles are uint32 numbers; 0 is avoided so a missing handle is never mistaken for one. */
const MAX_HANDLE = 0xffffffff;

export class TreeOps {
  private readonly handles = new Map<number, Handle>();
  private readonly devices = new Map<string, OpenDevice>();
  private nextHandle = 1;

  constructor(
    private readonly tree: Tree,
    private readonly log: Log,
    private readonly owner: OwnerOverride = {},
  ) {}

  /** Map an exception to an errno; anything unexpected is logged, since the reader only sees EIO. */
  private fail(e: unknown, what: string, path: string): number {
    if (e instanceof Errno) return e.errno;
    if (isVmfskitError(e) && e.code === 'NOT_FOUND') return ERR.ENOENT;
    this.log(`${what} ${path}: ${isVmfskitError(e) ? e.message : (e as Error)?.message ?? String(e)}`);
    return ERR.EIO;
  }

  ops(): FuseOps {
    const answer = <T>(p: Promise<T>, cb: FuseCb, what: string, path: string, ok: (v: T) => void) =>
      p.then(ok, (e) => cb(this.fail(e, what, path)));
    return {
      init: (cb) => cb(0),
      getattr: (path, cb) =>
        answer(this.tree.lookup(path), cb, 'stat', path, (n) => (n ? cb(0, toStat(n.attr, this.owner)) : cb(ERR.ENOENT))),
      readdir: (path, cb) =>
        answer(this.tree.list(path), cb, 'list', path, (names) => (names ? cb(0, ['.', '..', ...names]) : cb(ERR.ENOENT))),
      readlink: (path, cb) =>
        answer(this.tree.lookup(path), cb, 'readlink', path, (n) =>
          !n ? cb(ERR.ENOENT) : n.kind === 'symlink' ? cb(0, n.target) : cb(ERR.EINVAL),
        ),
      open: (path, flags, cb) => {
        // The kernel already refuses writes on an `ro` mount; this is the second lock on the door.
        if ((flags & 3) !== C.O_RDONLY || flags & C.O_TRUNC) return cb(ERR.EROFS);
        // The size (ignored by fuse-native) bounds our own binding's read-ahead.
        answer(this.open(path), cb, 'open', path, (fh) => cb(0, fh, this.handles.get(fh)?.node.attr.size));
      },
      read: (path, fh, buf, len, pos, cb) => {
        const h = this.handles.get(fh);
        if (!h) return cb(ERR.EBADF);
        if (h.node.noData) {
          this.log(`read ${path}: ${h.node.noData}`);
          return cb(ERR.EIO);
        }
        if (buf.length === 0 || len === 0) return cb(0);
        const w = h.dev.window!;
        // Most sequential requests are a copy from the read-ahead window: answer without a promise hop.
        let n: number;
        try {
          n = w.readCached(buf, len, pos, h.state);
        } catch (e) {
          return cb(this.fail(e, 'read', path));
        }
        if (n >= 0) return cb(n);
        answer(w.read(buf, len, pos, h.state), cb, 'read', path, (k) => cb(k));
      },
      load: (fh, pos, buf, cb) => {
        const h = this.handles.get(fh);
        const w = h?.dev.window;
        if (!h || h.node.noData || !w) return cb(ERR.EIO);
        w.device.read(buf, pos).then(
          (n) => cb(n),
          () => cb(ERR.EIO),
        );
      },
      release: (path, fh, cb) => {
        const h = this.handles.get(fh);
        this.handles.delete(fh);
        if (h) this.releaseDevice(h.path, h.dev);
        cb(0);
      },
      statfs: (_path, cb) => {
        const u = this.tree.usage();
        // Counts travel as uint32: report in volume blocks (1 MiB on VMFS-5) so large datastores fit.
        const clamp = (v: number) => Math.min(Math.max(0, Math.floor(v)), 0xffffffff);
        cb(0, {
          bsize: u?.blockSize ?? 4096,
          frsize: u?.blockSize ?? 4096,
          blocks: clamp(u?.totalBlocks ?? 0),
          bfree: clamp(u?.freeBlocks ?? 0),
          bavail: clamp(u?.freeBlocks ?? 0),
          files: clamp(u?.totalFiles ?? 0),
          ffree: clamp(u?.freeFiles ?? 0),
          favail: clamp(u?.freeFiles ?? 0),
          fsid: 0,
          flag: 1, // ST_RDONLY
          namemax: 255,
        });
      },
    };
  }

  private async open(path: string): Promise<number> {
    const node = await this.tree.lookup(path);
    if (!node) throw new Errno(ERR.ENOENT);
    if (node.kind !== 'file') throw new Errno(node.kind === 'dir' ? ERR.EISDIR : ERR.EINVAL);
    let dev = this.devices.get(path);
    if (!dev) {
      const device = node.noData ? Promise.reject(new Error('no data')) : node.open();
      device.catch(() => undefined);
      dev = { device, refs: 0, shared: node.shared };
      this.devices.set(path, dev);
    }
    dev.refs++;
    if (!node.noData) {
      try {
        const d = await dev.device;
        dev.window ??= new ReadWindow(d);
      } catch (e) {
        this.releaseDevice(path, dev, true);
        throw e;
      }
    }
    const fh = this.allocHandle();
    this.handles.set(fh, { path, node, dev, state: { next: 0 } });
    return fh;
  }

  private allocHandle(): number {
    for (;;) {
      const fh = this.nextHandle;
      this.nextHandle = fh >= MAX_HANDLE ? 1 : fh + 1;
      if (!this.handles.has(fh)) return fh;
    }
  }

  /** After the last handle: drop the read-ahead buffers; close the device unless the mount owns it. */
  private releaseDevice(path: string, dev: OpenDevice, failed = false): void {
    if (--dev.refs > 0) return;
    dev.window = undefined;
    if (dev.shared && !failed) return;
    if (this.devices.get(path) === dev) this.devices.delete(path);
    if (dev.shared) return;
    dev.device.then(
      (d) => d.close(),
      () => undefined,
    ).catch((e) => this.log(`close ${path}: ${(e as Error).message}`));
  }

  /** Close every device still open (at unmount). */
  async closeAll(): Promise<void> {
    const all = [...this.devices.values()];
    this.devices.clear();
    this.handles.clear();
    await Promise.all(all.filter((d) => !d.shared).map((d) => d.device.then((x) => x.close()).catch(() => undefined)));
  }
}

/** Like FUSE's uid=/gid=/umask=: show every node with this owner, or with these permission bits removed. */
export interface OwnerOverride {
  uid?: number;
  gid?: number;
  umask?: number;
}

/** The stat fuse-native wants: times as Dates (milliseconds cross the binding). */
export function toStat(a: NodeAttr, o: OwnerOverride = {}): Record<string, unknown> {
  return {
    mode: o.umask === undefined ? a.mode : a.mode & ~(o.umask & 0o7777),
    size: a.size,
    uid: o.uid ?? a.uid,
    gid: o.gid ?? a.gid,
    nlink: a.nlink || ((a.mode & S_IFMT) === S_IFDIR ? 2 : 1),
    mtime: new Date(a.mtime),
    atime: new Date(a.atime),
    ctime: new Date(a.ctime),
    blocks: a.blocks ?? Math.ceil(a.size / 512),
    blksize: 4096,
  };
}
