/**
 * The self-contained executable's addon cache (src/sea/addons.ts): named by content hash in a
 * private per-user directory, compared with the asset before every load, a differing file
 * replaced and never loaded, a directory others can write never used, and a private mkdtemp
 * directory (removed again) when there is no usable cache. The executable itself is checked the
 * same way by scripts/clean-machine-test.sh (HOME unset, unwritable, read-only working directory).
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot, loadAddonBytes } from '../src/sea/addons.js';
import { ROOT } from './helpers/paths.js';
import { scratchCleaned } from './helpers/scratch.js';

const scratch = scratchCleaned();
const NATIVE = readFileSync(path.join(ROOT, 'native/build/Release/vmfskit_native.node'));
const FUSE = readFileSync(path.join(ROOT, 'native/fuse/build/Release/vmfskit_fuse.node'));
const HASH = createHash('sha256').update(NATIVE).digest('hex');
const isNative = (x: unknown) => typeof (x as { seekData?: unknown }).seekData === 'function';
const tempDirs = () => readdirSync(os.tmpdir()).filter((f) => /^vmfskit-[A-Za-z0-9]{6}$/.test(f)).sort();

describe('addon cache of the self-contained executable', () => {
  it('writes the addon into <root>/<sha256>/ (0700), then loads the cached copy', () => {
    const root = path.join(scratch('sea-cache'), 'vmfskit');
    const first = loadAddonBytes('vmfskit_native.node', NATIVE, root);
    expect(first.how).toBe('written');
    expect(first.file).toBe(path.join(root, HASH, 'vmfskit_native.node'));
    expect(isNative(first.exports)).toBe(true);
    expect(readFileSync(first.file).equals(NATIVE)).toBe(true);
    for (const d of [root, path.join(root, HASH)]) expect(statSync(d).mode & 0o777).toBe(0o700);
    const again = loadAddonBytes('vmfskit_native.node', NATIVE, root);
    expect(again.how).toBe('cached');
    expect(isNative(again.exports)).toBe(true);
  });

  it('replaces a cached file that differs from the asset (another library, garbage, empty) and loads only the asset', () => {
    const root = path.join(scratch('sea-tamper'), 'vmfskit');
    const file = loadAddonBytes('vmfskit_native.node', NATIVE, root).file;
    for (const planted of [FUSE, Buffer.from('\x7fELF not really'), Buffer.alloc(0), Buffer.concat([NATIVE, Buffer.from([0])])]) {
      // A new file over the old name: the loaded one stays mapped in this process, so rewriting
      // its inode in place would change the running code (a later run would see the same thing).
      writeFileSync(`${file}.new`, planted);
      renameSync(`${file}.new`, file);
      const r = loadAddonBytes('vmfskit_native.node', NATIVE, root);
      expect(r.how).toBe('replaced');
      expect(isNative(r.exports)).toBe(true); // the FUSE binding has no seekData: it was not what got loaded
      expect(readFileSync(file).equals(NATIVE)).toBe(true);
    }
  });

  it('never uses a cache directory others can write to, or a symlink planted in place of it', () => {
    const base = scratch('sea-open');
    const open = path.join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const before = tempDirs();
    const r = loadAddonBytes('vmfskit_native.node', NATIVE, open);
    expect(r.how).toBe('temporary');
    expect(isNative(r.exports)).toBe(true);
    expect(readdirSync(open)).toEqual([]);
    const planted = path.join(base, 'planted');
    mkdirSync(planted, { mode: 0o700 });
    const root = path.join(base, 'cache');
    mkdirSync(root, { mode: 0o700 });
    symlinkSync(planted, path.join(root, HASH));
    expect(loadAddonBytes('vmfskit_native.node', NATIVE, root).how).toBe('temporary');
    expect(readdirSync(planted)).toEqual([]);
    expect(tempDirs()).toEqual(before); // the temporary directories are gone again
  });

  it('without HOME or with a cache that cannot be made: a private temporary directory, removed after loading', () => {
    expect(cacheRoot({})).toBeUndefined();
    expect(cacheRoot({ HOME: 'relative' })).toBeUndefined();
    expect(cacheRoot({ HOME: '/home/x' })).toBe('/home/x/.cache/vmfskit');
    expect(cacheRoot({ HOME: '/home/x', XDG_CACHE_HOME: '/c' })).toBe('/c/vmfskit');
    const notADir = path.join(scratch('sea-file'), 'file');
    writeFileSync(notADir, '');
    const before = tempDirs();
    for (const root of [undefined, path.join(notADir, 'vmfskit')]) {
      const r = loadAddonBytes('vmfskit_native.node', NATIVE, root);
      expect(r.how).toBe('temporary');
      expect(isNative(r.exports)).toBe(true);
      expect(existsSync(r.file)).toBe(false);
    }
    expect(tempDirs()).toEqual(before);
  });
});
