/**
 * `vmfskit extract`: copy files or trees out of a VMFS volume onto the host.
 * Holes stay holes (from map()), modes and times are kept, each file is
 * written as NAME.partial and renamed, nothing outside DESTDIR is touched:
 * names from the image are checked, host symlinks are never followed, and
 * symlinks are only recreated when they point inside the extracted tree.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { BlockDevice } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import { Progress } from '../convert/progress.js';
import { VmfskitError } from '../errors.js';
import type { VmfsStat, VmfsVolume } from '../vmfs/index.js';
import { badName, walkTree } from '../walk/walk.js';

export interface ExtractOptions {
  force: boolean;
  warn: (line: string) => void;
  /** A progress line on stderr while each file is copied. */
  progress?: boolean;
}

export interface ExtractResult {
  files: number;
  directories: number;
  symlinks: number;
  skipped: number;
  bytes: number;
  /** Bytes left as holes (thin, to-be-zeroed, sparse). */
  holeBytes: number;
}

/** A name from a directory entry that is safe to create inside DESTDIR. */
function safeName(name: string, where: string): string {
  const bad = badName(name);
  if (bad) throw new VmfskitError('CORRUPT', bad, { file: where });
  return name;
}

async function lstatOrNull(p: string): Promise<fs.Stats | null> {
  try {
    return await fsp.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export class Extractor {
  readonly result: ExtractResult = { files: 0, directories: 0, symlinks: 0, skipped: 0, bytes: 0, holeBytes: 0 };
  private readonly root: string;
  private partial: string | null = null;

  constructor(
    private readonly vol: VmfsVolume,
    destDir: string,
    private readonly o: ExtractOptions,
  ) {
    this.root = path.resolve(destDir);
  }

  /** Remove a half-written file (after an error or an interrupt). */
  async cleanup(): Promise<void> {
    if (this.partial) await fsp.rm(this.partial, { force: true });
    this.partial = null;
  }

  async extract(inner: string): Promise<ExtractResult> {
    const st = await fs.promises.stat(this.root).catch(() => null);
    if (!st?.isDirectory()) throw new VmfskitError('NOT_FOUND', 'destination is not an existing directory', { file: this.root });
    const top = await this.vol.stat(inner);
    if (top.type !== 'dir') {
      await this.entry(top, path.join(this.root, safeName(top.name, this.vol.address + top.path)));
      return this.result;
    }
    const base = top.path === '/' ? this.root : path.join(this.root, safeName(top.name, this.vol.address + top.path));
    const hostOf = new Map<string, string>([[top.path, base]]);
    const dirs: Array<{ st: VmfsStat; host: string }> = [];
    await this.mkdir(base);
    for await (const { dir, entries } of walkTree(this.vol, top, true)) {
      const hostDir = hostOf.get(dir.path)!;
      dirs.push({ st: dir, host: hostDir });
      for (const e of entries) {
        const host = path.join(hostDir, safeName(e.name, this.vol.address + e.path));
        if (e.type === 'dir') {
          await this.mkdir(host);
          hostOf.set(e.path, host);
        } else await this.entry(e, host);
      }
    }
    // Directory modes and times last: writing into them would change their mtime, a 0500 mode would stop us.
    // DESTDIR itself is the examiner's, not the image's: leave its mode and times alone.
    for (const d of dirs.reverse()) if (d.host !== this.root) await this.finish(d.host, d.st);
    return this.result;
  }

  private async mkdir(host: string): Promise<void> {
    const st = await lstatOrNull(host);
    if (st?.isSymbolicLink()) throw new VmfskitError('EXISTS', 'is a symbolic link on the host; refusing to write through it', { file: host });
    if (st && !st.isDirectory()) throw new VmfskitError('EXISTS', 'exists and is not a directory', { file: host });
    if (!st) await fsp.mkdir(host, { mode: 0o700 });
    this.result.directories++;
  }

  private async entry(e: VmfsStat, host: string): Promise<void> {
    if (e.type === 'symlink') return this.symlink(e, host);
    if (e.type === 'rdm' || e.type === 'other') {
      this.o.warn(`${this.vol.address}${e.path}: ${e.type === 'rdm' ? 'raw device mapping (its data is on another LUN)' : 'not a regular file'}, skipped`);
      this.result.skipped++;
      return;
    }
    const existing = await lstatOrNull(host);
    if (existing && !this.o.force) throw new VmfskitError('EXISTS', 'exists (use --force to overwrite)', { file: host });
    if (existing?.isDirectory()) throw new VmfskitError('EXISTS', 'exists and is a directory', { file: host });
    const dev = await this.vol.openFile(e.path);
    try {
      await this.copy(dev, host);
    } finally {
      await dev.close();
    }
    await this.finish(host, e);
    this.result.files++;
  }

  /** Write data runs only; zero runs become holes through the final truncate. */
  private async copy(dev: BlockDevice, host: string): Promise<void> {
    const tmp = `${host}.partial`;
    if (await lstatOrNull(tmp)) {
      if (!this.o.force) throw new VmfskitError('EXISTS', 'a partial file is in the way (an earlier extraction was killed?); remove it or use --force', { file: tmp });
      await fsp.rm(tmp, { force: true });
    }
    this.partial = tmp;
    const fh = await fsp.open(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    const progress = this.o.progress ? new Progress(dev.size) : undefined;
    try {
      for await (const c of readSequential(dev)) {
        if (c.kind === 'zero' || !c.data) {
          this.result.holeBytes += c.length;
        } else {
          let done = 0;
          while (done < c.length) done += (await fh.write(c.data, done, c.length - done, c.offset + done)).bytesWritten;
          this.result.bytes += c.length;
        }
        progress?.update(c.offset + c.length, c.run);
      }
      await fh.truncate(dev.size);
      await fh.sync();
    } finally {
      progress?.clear();
      await fh.close();
    }
    await fsp.rename(tmp, host);
    this.partial = null;
  }

  /** Recreate a symlink only when its target stays inside DESTDIR. */
  private async symlink(e: VmfsStat, host: string): Promise<void> {
    const target = e.symlinkTarget ?? '';
    const resolved = path.resolve(path.dirname(host), target);
    if (path.isAbsolute(target) || (resolved !== this.root && !resolved.startsWith(this.root + path.sep))) {
      this.o.warn(`${this.vol.address}${e.path}: symbolic link to '${target}' points outside the destination, not created`);
      this.result.skipped++;
      return;
    }
    const existing = await lstatOrNull(host);
    if (existing && !this.o.force) throw new VmfskitError('EXISTS', 'exists (use --force to overwrite)', { file: host });
    if (existing?.isDirectory()) throw new VmfskitError('EXISTS', 'exists and is a directory', { file: host });
    if (existing) await fsp.rm(host);
    await fsp.symlink(target, host);
    await fsp.lutimes(host, e.atime, e.mtime);
    this.result.symlinks++;
  }

  private async finish(host: string, st: VmfsStat): Promise<void> {
    // setuid/setgid are not kept: an extracted file must not gain privileges on the examiner's machine.
    await fsp.chmod(host, st.mode & 0o1777);
    await fsp.utimes(host, st.atime, st.mtime);
  }
}
