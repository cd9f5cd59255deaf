/**
 * Where a manifest's names live: a host directory (by default the manifest's
 * own), or a folder inside the VMFS volume of a LUN image (`lun.img`,
 * `lun.img::/dir`). A root turns a name into an address and, for --audit,
 * lists every regular file below it.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { formatAddress, openVolume, parseAddress, type OpenOptions } from '../open.js';
import { VmfskitError, fromOsError } from '../errors.js';
import type { VmfsVolume } from '../vmfs/index.js';
import type { Vmfs } from '../vmfs/volume.js';
import { hostSource, hostStat } from '../walk/host.js';
import { volumeSource, walkSorted } from '../walk/walk.js';

/** Where a manifest name leads: an address to open, or why the name cannot be under this root. */
export type Located = { address: string } | { elsewhere: string };

export interface VerifyRoot {
  /** Names are paths in a VMFS volume (not on the host). */
  readonly inVolume: boolean;
  locate(name: string): Located;
  /** A canonical key for a name, so `./a`, `a` and `/root/a` match. */
  key(name: string): string;
  /** Keys and display names of every regular file below the root. */
  list(): Promise<{ key: string; display: string }[]>;
  close(): Promise<void>;
}

const MAX_FILES = 1_000_000;

export function hostRoot(dir: string, exclude: string[] = []): VerifyRoot {
  const abs = path.resolve(dir);
  const skip = new Set(exclude.map((e) => path.resolve(e)));
  return {
    inVolume: false,
    locate: (name) => ({ address: path.resolve(abs, name) }),
    key: (name) => path.resolve(abs, name),
    list: async () => {
      const out: { key: string; display: string }[] = [];
      for await (const item of walkSorted(hostSource(), await hostStat(Buffer.from(abs)))) {
        if (item.kind === 'problem') throw new VmfskitError('CORRUPT', item.message, { file: item.path });
        const p = item.st.path;
        if (item.st.type !== 'file' || skip.has(p)) continue;
        if (out.length >= MAX_FILES) throw new VmfskitError('UNSUPPORTED', `more than ${MAX_FILES} files`, { file: abs });
        out.push({ key: p, display: path.relative(abs, p) });
      }
      return out;
    },
    close: async () => {},
  };
}

/** `md5sum /vmfs/volumes/datastore1/VM/*` on ESXi writes names in the datastore's mount point. */
const ESXI_VOLUMES = '/vmfs/volumes/';

export function volumeRoot(host: string, dir: string, volume: VmfsVolume): VerifyRoot {
  // The volume maps ESXi paths for parent hints and symlinks; names in a manifest mean the same.
  const esxiPath = (name: string): string | null => (volume as VmfsVolume & Pick<Vmfs, 'mapVolumePath'>).mapVolumePath(name);
  // `vmfskit hash lun.img::/VM/x > list` writes addresses: one into this image (by its file name,
  // as the list may have been made elsewhere) is the path after '::'.
  const sameImage = (a: { host: string }): boolean => path.basename(a.host) === path.basename(host);
  const inVolume = (name: string): string | null => {
    if (name.startsWith(ESXI_VOLUMES)) return esxiPath(name);
    if (name.includes('::')) {
      const a = parseAddress(name);
      return sameImage(a) ? a.inner! : null;
    }
    return path.posix.resolve(dir, name);
  };
  const key = (name: string): string => {
    const p = inVolume(name);
    return p === null ? name : path.posix.resolve('/', p);
  };
  return {
    inVolume: true,
    locate: (name) => {
      const p = inVolume(name);
      if (p === null) {
        if (!name.startsWith(ESXI_VOLUMES)) return { elsewhere: `in the image ${parseAddress(name).host}, not ${host}` };
        const datastore = name.slice(ESXI_VOLUMES.length).split('/')[0];
        return { elsewhere: `on datastore '${datastore}', not this volume (label '${volume.label}', uuid ${volume.uuid})` };
      }
      return { address: formatAddress(host, key(name)) };
    },
    key,
    list: async () => {
      const out: { key: string; display: string }[] = [];
      for await (const item of walkSorted(volumeSource(volume), await volume.stat(dir))) {
        if (item.kind === 'problem') throw new VmfskitError('CORRUPT', item.message, { file: formatAddress(host, item.path) });
        if (item.st.type !== 'file') continue;
        if (out.length >= MAX_FILES) throw new VmfskitError('UNSUPPORTED', `more than ${MAX_FILES} files`, { file: host });
        out.push({ key: item.st.path, display: path.posix.relative(dir, item.st.path) });
      }
      return out;
    },
    close: () => volume.close(),
  };
}

/** ADDR on the verify command line: a host directory, a LUN image, or lun.img::/dir. */
export async function openRoot(addr: string, open: OpenOptions, exclude: string[] = []): Promise<VerifyRoot> {
  const a = parseAddress(addr);
  if (a.inner === undefined) {
    let st;
    try {
      st = await fsp.stat(a.host);
    } catch (e) {
      throw fromOsError(e, a.host);
    }
    if (st.isDirectory()) return hostRoot(a.host, exclude);
  }
  const volume = await openVolume(a.host, open);
  const dir = a.inner ?? '/';
  try {
    const st = await volume.stat(dir);
    if (st.type !== 'dir') throw new VmfskitError('USAGE', 'is not a directory: name a folder of the volume (or none for its root)', { file: addr });
  } catch (e) {
    await volume.close();
    throw e;
  }
  return volumeRoot(a.host, dir, volume);
}
