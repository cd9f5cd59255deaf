/**
 * FolderAccess over the two places VM folders live: a host directory (an
 * evidence copy of a datastore folder) and a VMFS volume in a LUN image.
 * Read-only in both cases; text reads are capped.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { FolderAccess } from './index.js';
import type { Resolver } from '../device/resolver.js';
import { HostResolver } from '../device/resolver.js';
import { FileDevice } from '../device/file-device.js';
import type { BlockDevice } from '../device/block-device.js';
import type { VmfsVolume } from '../vmfs/index.js';
import { VmfskitError, fromOsError } from '../errors.js';

type Entry = Awaited<ReturnType<FolderAccess['list']>>[number];

/** Read at most `max` bytes of `dev` as UTF-8; larger files are refused (a .vmx is never megabytes). */
async function readCapped(dev: BlockDevice, max: number): Promise<string> {
  try {
    if (dev.size > max) throw new VmfskitError('CORRUPT', `${dev.size} bytes is too large for a configuration or descriptor file (limit ${max})`, { file: dev.name });
    const buf = Buffer.alloc(dev.size);
    await dev.read(buf, 0);
    return buf.toString('utf8');
  } finally {
    await dev.close();
  }
}

export class HostFolderAccess implements FolderAccess {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private abs(p: string): string {
    return path.join(this.root, ...p.split('/').filter(Boolean));
  }

  /** Relative to the working folder when inside it (short), else absolute (never "../../…"). */
  display(p: string): string {
    const rel = path.relative(process.cwd(), this.abs(p));
    if (rel === '') return '.';
    return rel === '..' || rel.startsWith('../') || path.isAbsolute(rel) ? this.abs(p) : rel;
  }

  async list(dir: string): Promise<Entry[]> {
    let ents;
    try {
      ents = await fsp.readdir(this.abs(dir), { withFileTypes: true });
    } catch (e) {
      throw fromOsError(e, this.display(dir), 'cannot list');
    }
    const out: Entry[] = [];
    for (const e of ents) {
      const type = e.isFile() ? 'file' : e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : 'other';
      let size = 0;
      if (type === 'file') size = (await fsp.stat(path.join(this.abs(dir), e.name)).catch(() => ({ size: 0 }))).size;
      out.push({ name: e.name, type, size });
    }
    return out;
  }

  async readText(p: string, max: number): Promise<string> {
    return readCapped(await FileDevice.open(this.abs(p)), max);
  }

  resolver(dir: string): Resolver {
    return new HostResolver(this.abs(dir));
  }
}

export class VmfsFolderAccess implements FolderAccess {
  constructor(private readonly volume: VmfsVolume) {}

  display(p: string): string {
    return `${this.volume.address}${p}`;
  }

  async list(dir: string): Promise<Entry[]> {
    const ents = await this.volume.readdir(dir);
    return ents.map((e) => ({ name: e.name, type: e.type === 'file' || e.type === 'dir' || e.type === 'symlink' ? e.type : 'other', size: e.size }));
  }

  async readText(p: string, max: number): Promise<string> {
    return readCapped(await this.volume.openFile(p), max);
  }

  resolver(dir: string): Resolver {
    return this.volume.resolver(dir);
  }
}
