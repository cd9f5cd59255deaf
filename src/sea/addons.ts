/**
 * The native addons of the self-contained executable. They travel as SEA assets and must be a
 * file for dlopen, so each is written once into a private, per-user cache directory named by
 * its content hash:
 *
 *   $XDG_CACHE_HOME/vmfskit/<sha256>/<name>.node   (or ~/.cache/vmfskit/…), directories 0700
 *
 * and compared byte for byte with the asset before every load: a file that differs (damaged,
 * tampered with, a half-written earlier attempt) is replaced, never loaded. A cache directory
 * that is not ours or that others may write into is not used. Without a usable cache (HOME unset
 * or read-only, a read-only file system) the addon goes into a fresh mkdtemp directory (0700,
 * unpredictable name) that is removed again as soon as the library is loaded — never a fixed
 * path in a world-writable directory where another user could plant a library first.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A directory we may trust with a library: a real directory (no symlink), ours, closed to others. */
function privateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid!() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** mkdir -p with mode 0700 for what is created; true when `dir` ends up private. */
function ensurePrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  return privateDir(dir);
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'vmfskit');
  if (env.HOME && path.isAbsolute(env.HOME)) return path.join(env.HOME, '.cache', 'vmfskit');
  return undefined;
}

function sameBytes(file: string, bytes: Uint8Array): boolean {
  try {
    const fd = openSync(file, C.O_RDONLY | C.O_NOFOLLOW);
    try {
      return readFileSync(fd).equals(bytes);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Write `bytes` to `file` through a temporary name in the same directory, so `file` is always whole. */
function writeWhole(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o700);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function dlopen(file: string): unknown {
  const m = { exports: {} as unknown };
  process.dlopen(m, file);
  return m.exports;
}

export interface UnpackResult {
  exports: unknown;
  /** Where it was loaded from, and whether a cached copy had to be (re)written. */
  file: string;
  how: 'cached' | 'written' | 'replaced' | 'temporary';
}

/** Load the addon `name` (e.g. vmfskit_native.node) whose bytes are `bytes`, cached under `root` (cacheRoot()). */
export function loadAddonBytes(name: string, bytes: Uint8Array, root: string | undefined): UnpackResult {
  const hash = createHash('sha256').update(bytes).digest('hex');
  const dir = root && ensurePrivateDir(root) ? path.join(root, hash) : undefined;
  if (dir && ensurePrivateDir(dir)) {
    const file = path.join(dir, name);
    if (sameBytes(file, bytes)) return { exports: dlopen(file), file, how: 'cached' };
    let existed = false;
    try {
      lstatSync(file);
      existed = true;
      unlinkSync(file);
    } catch {
      /* not there, or cannot be removed: writeWhole's rename replaces it or fails */
    }
    try {
      writeWhole(file, bytes);
      // Read back what dlopen will map: equal, or we do not load it.
      if (sameBytes(file, bytes)) return { exports: dlopen(file), file, how: existed ? 'replaced' : 'written' };
    } catch {
      /* read-only cache: fall through to a temporary directory */
    }
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmfskit-'));
  try {
    const file = path.join(tmp, name);
    writeWhole(file, bytes);
    // Once mapped, the library no longer needs its file.
    return { exports: dlopen(file), file, how: 'temporary' };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
