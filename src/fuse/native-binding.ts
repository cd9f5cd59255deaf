/**
 * vmfskit's own libfuse2 binding (native/fuse/), preferred over fuse-native
 * when it was built. It speaks the same `FuseOps` as fuse-native, plus
 * `load`: the binding keeps a chunk cache per open file in its libfuse
 * threads and asks JavaScript only to fill whole chunks ahead of a
 * sequential reader, so most 128 KiB kernel requests never reach the event
 * loop (fuse-native wakes it for every one, which capped reads near 1 GB/s).
 */
import { loadOwnAddon } from '../device/addon-loader.js';
import { ERR, type FuseCb, type FuseHandle, type FuseOps } from './binding.js';
import { unmountPath } from './unmount.js';

/** `buf`: a Buffer for a read; for a load, a page-aligned Uint8Array view of the chunk's memory. */
type Dispatch = (op: string, req: unknown, path: string, fh: number, len: number, pos: number, flags: number, buf: Buffer | undefined) => void;

interface CacheOptions {
  load: boolean;
  chunk?: number;
  ahead?: number;
  keep?: number;
}

export interface NativeFuse {
  /** Mounts synchronously; the kernel's requests then wait for the binding's thread. */
  mount(mountpoint: string, options: string, dispatch: Dispatch, cache: CacheOptions): unknown;
  /** `size`: with an open, the file's size (bounds read-ahead and small files' buffers). */
  reply(req: unknown, code: number, value?: unknown, size?: number): void;
  /** After the mount is gone: end the loop and let the process exit. */
  stop(handle: unknown): void;
}

/**
 * 4 MiB chunks, 4 ahead: one JavaScript round trip per 32 kernel requests.
 * Measured on a loaded 2-core box (dd of a 1 GiB sparse view, 3 runs each):
 * 1 MiB 700-1105 MB/s, 2 MiB 1015-1248, 4 MiB 1276-1898. At most 8 chunks
 * (32 MiB) per open file, allocated as used and freed at close, and 64
 * (256 MiB) for the whole mount (native/fuse: max_buffers).
 */
const CHUNK = 4 << 20;

let loaded: NativeFuse | null | undefined;

/** The binding, or null when it was not built (no libfuse-dev) or cannot load (no libfuse2); fuse-native is the fallback. */
export function loadNativeFuse(): NativeFuse | null {
  if (loaded === undefined) loaded = loadOwnAddon<NativeFuse>('native/fuse/build/Release/vmfskit_fuse.node').addon;
  return loaded;
}

export function mountNative(addon: NativeFuse, mountpoint: string, ops: FuseOps, optionString: string): FuseHandle {
  let sessionEnded!: () => void;
  const ended = new Promise<void>((resolve) => (sessionEnded = resolve));
  const dispatch: Dispatch = (op, req, p, fh, len, pos, flags, buf) => {
    // The kernel closed the session (unmounted from anywhere): no answer is expected.
    if (op === 'ended') return sessionEnded();
    let answered = false;
    // The binding's thread waits for exactly one answer per request: a second one would touch freed memory.
    const cb: FuseCb = (code, value, size) => {
      if (answered) return;
      answered = true;
      addon.reply(req, code, value, size);
    };
    try {
      switch (op) {
        case 'getattr':
          return ops.getattr(p, cb);
        case 'readdir':
          return ops.readdir(p, cb);
        case 'readlink':
          return ops.readlink(p, cb);
        case 'open':
          return ops.open(p, flags, cb);
        case 'read':
          return buf ? ops.read(p, fh, buf, len, pos, cb) : cb(ERR.EIO);
        case 'release':
          return ops.release(p, fh, cb);
        case 'statfs':
          return ops.statfs(p, cb);
        case 'load':
          return buf && ops.load ? ops.load(fh, pos, buf, cb) : cb(ERR.EIO);
        default:
          return cb(ERR.EIO);
      }
    } catch {
      cb(ERR.EIO);
    }
  };
  const handle = addon.mount(mountpoint, optionString, dispatch, { load: typeof ops.load === 'function', chunk: CHUNK, ahead: 4, keep: 8 });
  let stopped = false;
  return {
    binding: 'vmfskit (libfuse2, chunk cache in the FUSE threads)',
    ended,
    unmount: async () => {
      if (stopped) return;
      await unmountPath(mountpoint, true);
      stopped = true;
      addon.stop(handle);
    },
  };
}
