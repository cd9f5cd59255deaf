/**
 * One address syntax for every command:
 *   disk.vmdk | lun.img | /dev/sdb            a host path
 *   lun.img::/VM/VM.vmdk                      a path inside the VMFS volume in lun.img
 * A VMDK (by content, not by name) opens as its virtual disk; a delta extent
 * named on its own, and anything else, as its bytes.
 */
import path from 'node:path';
import type { BlockDevice } from './device/block-device.js';
import { FileDevice } from './device/file-device.js';
import { HostResolver } from './device/resolver.js';
import { VmfskitError } from './errors.js';
import { openVmdk, sniffVmdk, type VmdkDisk, type VmdkOpenOptions } from './vmdk/index.js';
import { openVmfs, sniffVmfs, type VmfsVolume } from './vmfs/index.js';

export const SEP = '::';

export interface Address {
  /** Host path of the file or device. */
  host: string;
  /** Path inside the VMFS volume, always starting with '/', or undefined for the host file itself. */
  inner?: string;
}

export function parseAddress(addr: string): Address {
  const i = addr.indexOf(SEP);
  if (i < 0) return { host: addr };
  const host = addr.slice(0, i);
  let inner = addr.slice(i + SEP.length);
  if (!host) throw new VmfskitError('USAGE', `bad address '${addr}': nothing before '::'`);
  if (!inner.startsWith('/')) inner = '/' + inner;
  return { host, inner };
}

export function formatAddress(host: string, inner?: string): string {
  return inner === undefined ? host : `${host}${SEP}${inner}`;
}

export interface OpenOptions extends VmdkOpenOptions {
  /** 1-based VMFS partition number when a LUN holds several. */
  partition?: number;
  /** Other LUN images of a spanned datastore. */
  extents?: string[];
  /** Read a VMDK file's own bytes instead of its virtual disk (`--container`). */
  container?: boolean;
}

export interface Opened {
  address: string;
  /** What the bytes are: a VMDK's virtual disk, a file in VMFS, or a host file/device. */
  kind: 'vmdk' | 'vmfs-file' | 'host';
  device: BlockDevice;
  vmdk?: VmdkDisk;
  /** Set when the address points inside a VMFS volume. */
  volume?: VmfsVolume;
  /** The address names a delta extent on its own, opened as its file bytes (see deltaExtent). */
  deltaExtent?: DeltaExtentKind;
  close(): Promise<void>;
}

export type DeltaExtentKind = 'COWD' | 'SESparse';

/**
 * A COWD/SESparse delta holds only what changed since its snapshot, and its parent link is in the
 * descriptor that names it: read alone it would be "the delta over zeros", a disk that never
 * existed. Named on its own it is a file like x-flat.vmdk, read as its bytes (what md5sum on ESXi hashes).
 */
async function deltaExtent(dev: BlockDevice): Promise<DeltaExtentKind | undefined> {
  if (dev.size < 4) return undefined;
  const head = Buffer.alloc(4);
  await dev.read(head, 0);
  const [{ COWD_MAGIC }, { SESPARSE_MAGIC }] = await Promise.all([import('./vmdk/cowd.js'), import('./vmdk/sesparse.js')]);
  const magic = head.readUInt32LE(0);
  return magic === COWD_MAGIC ? 'COWD' : magic === SESPARSE_MAGIC ? 'SESparse' : undefined;
}

/** How a file opens when its address names it: as a virtual disk, or as its bytes (and why). */
async function opensAs(dev: BlockDevice, opts: OpenOptions, address: string): Promise<{ disk: boolean; delta?: DeltaExtentKind }> {
  if (opts.container) return { disk: false };
  if (!(await sniffVmdk(dev))) {
    // Something that looks like a damaged VMDK must not read silently as its container bytes.
    const looks = await (await import('./vmdk/sniff.js')).damagedVmdk(dev);
    if (looks) throw new VmfskitError('BAD_MAGIC', `looks like a damaged VMDK: ${looks}; --container reads the file's own bytes`, { file: address, structure: 'first sector', offset: 0 });
    return { disk: false };
  }
  const delta = await deltaExtent(dev);
  return delta ? { disk: false, delta } : { disk: true };
}

/** Open the VMFS volume inside a host LUN image/device (and its spanned members). */
export async function openVolume(host: string, opts: OpenOptions = {}): Promise<VmfsVolume> {
  const lun = await FileDevice.open(host);
  const extents: BlockDevice[] = [];
  try {
    for (const e of opts.extents ?? []) extents.push(await FileDevice.open(e));
    return await openVmfs(lun, host + SEP, { partition: opts.partition, extents });
  } catch (e) {
    await lun.close();
    for (const x of extents) await x.close();
    throw e;
  }
}

/** Open any address as a BlockDevice. */
export async function openAddress(addr: string, opts: OpenOptions = {}): Promise<Opened> {
  const a = parseAddress(addr);
  if (a.inner === undefined) {
    const dev = await FileDevice.open(a.host);
    const as = await opensAs(dev, opts, addr).catch(async (e: unknown) => {
      await dev.close();
      throw e;
    });
    if (as.disk) {
      await dev.close();
      const resolver = new HostResolver(path.dirname(a.host));
      const vmdk = await openVmdk(resolver, path.basename(a.host), opts);
      return { address: addr, kind: 'vmdk', device: vmdk, vmdk, close: () => vmdk.close() };
    }
    return { address: addr, kind: 'host', device: dev, deltaExtent: as.delta, close: () => dev.close() };
  }
  const volume = await openVolume(a.host, opts);
  try {
    const file = await volume.openFile(a.inner);
    const as = await opensAs(file, opts, addr).catch(async (e: unknown) => {
      await file.close();
      throw e;
    });
    if (as.disk) {
      await file.close();
      const dir = path.posix.dirname(a.inner);
      const vmdk = await openVmdk(volume.resolver(dir), path.posix.basename(a.inner), opts);
      return {
        address: addr,
        kind: 'vmdk',
        device: vmdk,
        vmdk,
        volume,
        close: async () => {
          await vmdk.close();
          await volume.close();
        },
      };
    }
    return {
      address: addr,
      kind: 'vmfs-file',
      device: file,
      volume,
      deltaExtent: as.delta,
      close: async () => {
        await file.close();
        await volume.close();
      },
    };
  } catch (e) {
    await volume.close();
    throw e;
  }
}

/** True when the host file holds a VMFS volume (whole LUN or bare partition). */
export async function hostHasVmfs(host: string): Promise<boolean> {
  const dev = await FileDevice.open(host);
  try {
    return await sniffVmfs(dev);
  } finally {
    await dev.close();
  }
}
