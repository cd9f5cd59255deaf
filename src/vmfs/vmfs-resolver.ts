/** Opens VMDK extents and parents by name inside a VMFS directory (see device/resolver.ts). */
import path from 'node:path';
import type { BlockDevice } from '../device/block-device.js';
import type { FileFacts, Resolver } from '../device/resolver.js';
import type { Vmfs } from './volume.js';

export class VmfsResolver implements Resolver {
  readonly location: string;

  constructor(
    private readonly vol: Vmfs,
    dir: string,
  ) {
    this.location = path.posix.resolve('/', dir);
  }

  private full(name: string): string {
    return path.posix.resolve(this.location, name);
  }

  open(name: string): Promise<BlockDevice> {
    return this.vol.openFile(this.full(name));
  }

  async exists(name: string): Promise<boolean> {
    try {
      const st = await this.vol.stat(this.full(name));
      return st.type === 'file' || (st.type === 'symlink' && (await this.vol.openFile(this.full(name))) !== null);
    } catch {
      return false;
    }
  }

  dirOf(name: string): Resolver {
    return new VmfsResolver(this.vol, path.posix.dirname(this.full(name)));
  }

  display(name: string): string {
    return `${this.vol.address}${this.full(name)}`;
  }

  async identity(name: string): Promise<string> {
    try {
      return await this.vol.identity(this.full(name));
    } catch {
      return this.display(name);
    }
  }

  /** Type, size and (for an RDM mapping file) the mapped LUN's id, without opening the file's data. */
  async fileFacts(name: string): Promise<FileFacts | null> {
    try {
      const st = await this.vol.stat(this.full(name));
      return { type: st.type, size: st.size, details: st.details };
    } catch {
      return null;
    }
  }

  /** `/vmfs/volumes/<uuid|label>/dir/f.vmdk` of this datastore → `/dir/f.vmdk`; else the base name here, if it exists. */
  async mapForeign(absPath: string): Promise<string | null> {
    const inside = absPath.startsWith('/') ? this.vol.mapVolumePath(absPath) : null;
    if (inside !== null && (await this.exists(inside))) return inside;
    const base = absPath.split(/[\\/]/).pop() ?? '';
    return base && (await this.exists(base)) ? base : null;
  }
}
