/**
 * Opens files by name relative to a directory: the host file system for a
 * VMDK on the host, a VMFS directory for a VMDK inside a LUN image. VMDK
 * extents and parents are always opened through one of these, so a chain
 * inside a volume is read without extracting anything.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { BlockDevice } from './block-device.js';
import { FileDevice } from './file-device.js';

export interface Resolver {
  /** The directory names are resolved in, as the user would write it ("/ev/VM", "lun.img::/VM"). */
  readonly location: string;
  /** Open `name` ('/'-separated, relative to `location`, may contain '..'). */
  open(name: string): Promise<BlockDevice>;
  /** True when `name` names an existing regular file. */
  exists(name: string): Promise<boolean>;
  /** A resolver for the directory that holds `name` (parents may live in another folder). */
  dirOf(name: string): Resolver;
  /** How to show `name` to the user: the address that would open it. */
  display(name: string): string;
  /** A stable identity of the file `name` (for loop detection), or its display name. */
  identity(name: string): Promise<string>;
  /**
   * Map an absolute path written on another machine (ESXi `/vmfs/volumes/<uuid|label>/dir/f.vmdk`,
   * Windows `C:\VMs\f.vmdk`) onto a name this resolver can open, or null when it cannot.
   */
  mapForeign(absPath: string): Promise<string | null>;
  /**
   * What the container knows about `name` without opening it as data (type, size and,
   * on VMFS, the mapped LUN of a raw device mapping file); null when it does not exist.
   */
  fileFacts?(name: string): Promise<FileFacts | null>;
}

export interface FileFacts {
  /** 'file', 'rdm', 'dir', ... as the container reports it. */
  type: string;
  size: number;
  details?: Record<string, unknown>;
}

/** Host file system. */
export class HostResolver implements Resolver {
  readonly location: string;
  constructor(dir: string) {
    this.location = path.resolve(dir);
  }

  private full(name: string): string {
    return path.resolve(this.location, name);
  }

  open(name: string): Promise<BlockDevice> {
    return FileDevice.open(this.full(name));
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await fsp.stat(this.full(name))).isFile();
    } catch {
      return false;
    }
  }

  dirOf(name: string): Resolver {
    return new HostResolver(path.dirname(this.full(name)));
  }

  /** Relative to the working folder when the file is under it; a path climbing out of it (../../x) is shown absolute. */
  display(name: string): string {
    const full = this.full(name);
    const rel = path.relative(process.cwd(), full);
    return rel === '' ? '.' : rel === '..' || rel.startsWith('../') || path.isAbsolute(rel) ? full : rel;
  }

  async identity(name: string): Promise<string> {
    try {
      const st = await fsp.stat(this.full(name));
      return `host:${st.dev}:${st.ino}`;
    } catch {
      return `host:${this.full(name)}`;
    }
  }

  async fileFacts(name: string): Promise<FileFacts | null> {
    try {
      const st = await fsp.stat(this.full(name));
      return { type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isBlockDevice() ? 'block-device' : 'other', size: st.size };
    } catch {
      return null;
    }
  }

  async mapForeign(absPath: string): Promise<string | null> {
    // On the host an absolute POSIX path may simply exist; otherwise fall back to the base name here.
    if (absPath.startsWith('/') && (await this.exists(absPath))) return absPath;
    const base = absPath.split(/[\\/]/).pop() ?? '';
    return base && (await this.exists(base)) ? base : null;
  }
}
