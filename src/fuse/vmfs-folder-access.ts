/**
 * The inventory's FolderAccess over a VMFS volume, so `findDiskStates` can
 * walk a datastore the same way it walks a host folder.
 */
import { VmfskitError } from '../errors.js';
import type { FolderAccess } from '../inventory/index.js';
import type { Resolver } from '../device/resolver.js';
import type { VmfsVolume } from '../vmfs/index.js';

export class VmfsFolderAccess implements FolderAccess {
  constructor(private readonly volume: VmfsVolume) {}

  display(path: string): string {
    return this.volume.address + path;
  }

  async list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'symlink' | 'other'; size: number }>> {
    const entries = await this.volume.readdir(dir);
    return entries.map((st) => ({
      name: st.name,
      type: st.type === 'file' || st.type === 'dir' || st.type === 'symlink' ? st.type : 'other',
      size: st.size,
    }));
  }

  async readText(path: string, max: number): Promise<string> {
    const dev = await this.volume.openFile(path);
    try {
      if (dev.size > max) {
        throw new VmfskitError('CORRUPT', `${dev.size} bytes is too large for a text file (limit ${max})`, { file: this.display(path) });
      }
      const buf = Buffer.alloc(dev.size);
      const n = await dev.read(buf, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      await dev.close();
    }
  }

  resolver(dir: string): Resolver {
    return this.volume.resolver(dir);
  }
}
