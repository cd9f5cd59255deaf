/**
 * Chooses the FUSE binding: vmfskit's own (native/fuse/, see
 * native-binding.ts) when it was built, else fuse-native (2.2.6, pinned: we
 * override its private `_fuseOptions`). Both load lazily so that every
 * other command works on a machine without libfuse2. The rest of src/fuse
 * speaks to `FuseOps`/`FuseHandle` only.
 */
import { createRequire } from 'node:module';
import { promises as fsp, constants as C } from 'node:fs';
import { VmfskitError } from '../errors.js';
import { loadNativeFuse, mountNative, type NativeFuse } from './native-binding.js';

const PACKAGE_NAMES = "'fuse libfuse2' (Ubuntu 24.04: 'fuse libfuse2t64')";
const PACKAGES = `install the Debian packages ${PACKAGE_NAMES}`;

/** Callback conventions of fuse-native: `cb(0, value)` on success, `cb(-errno)` on failure. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FuseCb = (code: number, ...values: any[]) => void;

export interface FuseOps {
  init?(cb: FuseCb): void;
  getattr(path: string, cb: FuseCb): void;
  readdir(path: string, cb: FuseCb): void;
  readlink(path: string, cb: FuseCb): void;
  open(path: string, flags: number, cb: FuseCb): void;
  read(path: string, fh: number, buf: Buffer, len: number, pos: number, cb: FuseCb): void;
  release(path: string, fh: number, cb: FuseCb): void;
  statfs(path: string, cb: FuseCb): void;
  getxattr?(path: string, name: string, pos: number, cb: FuseCb): void;
  listxattr?(path: string, cb: FuseCb): void;
  /**
   * Fill `buf` with the file's bytes at `pos` (a whole read-ahead chunk of
   * our own binding's cache): `cb(bytes)` or `cb(-errno)`. Quiet on failure:
   * the binding then asks `read` for the exact range, which reports.
   */
  load?(fh: number, pos: number, buf: Uint8Array, cb: FuseCb): void;
}

export interface MountOptions {
  /** Shown by `mount`/`findmnt` as the source: the evidence path. */
  fsname: string;
  allowOther?: boolean;
}

export interface FuseHandle {
  /** Which binding serves the mount, for the daemon's log. */
  binding: string;
  /** Settles when the kernel has ended this session, however it was unmounted (our own binding only). */
  ended?: Promise<void>;
  unmount(): Promise<void>;
}

/** Negative errno values as fuse-native expects them. */
export const ERR = {
  ENOENT: -2,
  EIO: -5,
  EBADF: -9,
  EACCES: -13,
  EISDIR: -21,
  EINVAL: -22,
  EROFS: -30,
  ENODATA: -61,
  ENOTSUP: -95,
} as const;

/**
 * Everything in the `-o` string of our mounts. `ro`, `noatime` and
 * `default_permissions` have no fuse-native switch (or need to be there
 * whatever the caller says), so they are appended by the subclass below.
 * Commas separate options: an evidence path holding one would split it, and
 * the whole string must fit fuse-native's 1024-byte buffer.
 */
export function fuseOptionString(o: MountOptions): string {
  const fsname = safeFsname(o.fsname);
  const opts = [
    'ro',
    'noatime',
    'default_permissions',
    'auto_unmount',
    `fsname=${fsname}`,
    'subtype=vmfskit',
    'kernel_cache',
    'attr_timeout=3600',
    'entry_timeout=3600',
  ];
  if (o.allowOther) opts.push('allow_other');
  return '-o' + opts.join(',');
}

function safeFsname(p: string): string {
  const clean = p.replace(/[,\\\s]/g, '_');
  return clean.length > 400 ? '…' + clean.slice(-399) : clean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FuseClass = any;

let loaded: FuseClass | null = null;

/** Our own binding when it loads, unless the tests stand in a fuse-native module. */
function ownBinding(): NativeFuse | null {
  return process.env.VMFSKIT_FUSE_MODULE ? null : loadNativeFuse();
}

/** Load a FUSE binding, or explain in one line what the machine lacks. */
export function loadFuse(): unknown {
  return ownBinding() ?? loadFuseNative();
}

function loadFuseNative(): FuseClass {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // VMFSKIT_FUSE_MODULE lets the tests stand in a module that fails the way a missing libfuse2 does.
  try {
    loaded = require(process.env.VMFSKIT_FUSE_MODULE || 'fuse-native');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = /libfuse\.so/.test(err.message ?? '') ? 'libfuse.so.2 is not installed' : `cannot load fuse-native (${(err.message ?? String(e)).split('\n')[0]})`;
    throw new VmfskitError('FUSE', `${why}: ${PACKAGES}`, {}, { cause: e });
  }
  return loaded;
}

/** /dev/fuse must exist and be usable by us; a container without it cannot mount anything. */
export async function checkDevFuse(): Promise<void> {
  try {
    await fsp.access('/dev/fuse', C.R_OK | C.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? '/dev/fuse does not exist (load the fuse kernel module, or give the container --device /dev/fuse)' : `/dev/fuse is not usable (${code})`;
    throw new VmfskitError('FUSE', `${why}; FUSE also needs the Debian packages ${PACKAGE_NAMES}`, {}, { cause: e });
  }
}

/**
 * Mount `ops` read-only at `mountpoint`. Resolves once the kernel's INIT has
 * arrived, so the mount is usable when this returns.
 */
export async function mountFuse(mountpoint: string, ops: FuseOps, o: MountOptions): Promise<FuseHandle> {
  const optionString = fuseOptionString(o);
  const own = ownBinding();
  if (own) {
    try {
      return mountNative(own, mountpoint, ops, optionString);
    } catch (e) {
      throw new VmfskitError('FUSE', `mount failed: ${(e as Error).message}`, { file: mountpoint }, { cause: e });
    }
  }
  const Fuse = loadFuseNative();
  class RoFuse extends Fuse {
    _fuseOptions(): string {
      return optionString;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Ctor = RoFuse as unknown as new (mnt: string, ops: FuseOps, opts: Record<string, unknown>) => any;
  const fuse = new Ctor(mountpoint, ops, {
    // A dead mount at this point ("Transport endpoint is not connected") is cleaned with fusermount -uz first.
    force: true,
    mkdir: false,
    // Our own read path answers EIO on failure; the binding's 15 s watchdog would turn slow evidence into ETIMEDOUT.
    timeout: false,
  });
  await new Promise<void>((resolve, reject) => {
    fuse.mount((err: Error | null) => {
      if (!err) return resolve();
      reject(new VmfskitError('FUSE', `mount failed: ${err.message}`, { file: mountpoint }, { cause: err }));
    });
  });
  return {
    binding: 'fuse-native',
    unmount: () =>
      new Promise<void>((resolve, reject) => {
        fuse.unmount((err: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}
