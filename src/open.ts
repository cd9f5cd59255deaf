/**
 * One address syntax for every command:
 *   disk.vmdk | lun.img | /dev/sdb            a host path
 *   lun.img::/VM/VM.vmdk                      a path inside the VMFS volume in lun.img
 *   ADDR#pN                                   partition N of the disk ADDR opens as
 *   ADDR#pN:repaired                          the same with a destroyed boot sector/superblock read from its backup
 * A VMDK (by content, not by name) opens as its virtual disk; a delta extent
 * named on its own, and anything else, as its bytes.
 */
import path from 'node:path';
import type { BlockDevice } from './device/block-device.js';
import { existsSync } from 'node:fs';
import { FileDevice } from './device/file-device.js';
import { HostResolver } from './device/resolver.js';
import { VmfskitError } from './errors.js';
import { openVmdk, sniffVmdk, type ExplicitParent, type VmdkDisk, type VmdkOpenOptions } from './vmdk/index.js';
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

/** `#p2`, `#p2:repaired` at the very end of an address: a partition of the disk before it. */
const PARTITION_SUFFIX = /^(.+)#p([1-9][0-9]{0,3})(:repaired)?$/;

export interface PartitionSuffix {
  /** The disk's address. */
  base: string;
  partition: number;
  repaired: boolean;
}

/** The partition suffix of `addr`, if it has one (whether a file of that exact name exists is openAddress's question). */
export function partitionSuffix(addr: string): PartitionSuffix | undefined {
  const m = PARTITION_SUFFIX.exec(addr);
  return m ? { base: m[1]!, partition: Number(m[2]), repaired: m[3] !== undefined } : undefined;
}

export function formatAddress(host: string, inner?: string): string {
  return inner === undefined ? host : `${host}${SEP}${inner}`;
}

export interface OpenOptions extends VmdkOpenOptions {
  /** 1-based VMFS partition number when a LUN holds several. */
  partition?: number;
  /** Other LUN images of a spanned datastore. */
  extents?: string[];
  /** Sector size of LUNs and guest disks (`--sector-size`), found from the GPT when not given. */
  sectorSize?: 512 | 4096;
  /** Read a VMDK file's own bytes instead of its virtual disk (`--container`). */
  container?: boolean;
  /** `--parent ADDR` (repeatable, nearest first): the parents of a delta whose descriptor is gone. */
  parentAddresses?: string[];
}

function notADelta(addr: string): VmfskitError {
  return new VmfskitError('USAGE', `--parent given, but ${addr} is not a VMDK delta (COWD, SESparse or hosted sparse child)`);
}

export interface Opened {
  address: string;
  /** What the bytes are: a VMDK's virtual disk, a file in VMFS, or a host file/device. */
  kind: 'vmdk' | 'vmfs-file' | 'host' | 'partition';
  device: BlockDevice;
  vmdk?: VmdkDisk;
  /** Set when the address points inside a VMFS volume. */
  volume?: VmfsVolume;
  /** The address names a delta extent on its own, opened as its file bytes (see deltaExtent). */
  deltaExtent?: DeltaExtentKind;
  /** Set for `ADDR#pN[:repaired]`: where the partition lies on the disk ADDR, and what a repaired view changed. */
  partition?: { number: number; start: number; size: number; from: 'table' | 'scan'; disk: string; patches?: Array<{ offset: number; length: number; why: string }> };
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
  // Named on its own a delta extent is its bytes — unless the examiner names its parent.
  return delta && !opts.parentAddresses?.length ? { disk: false, delta } : { disk: true };
}

/** The directory and name of each `--parent` address (volumes opened as needed, closed by `close`). */
async function locateParents(addrs: string[], opts: OpenOptions): Promise<{ parents: ExplicitParent[]; close: () => Promise<void> }> {
  const volumes: VmfsVolume[] = [];
  const close = async () => {
    for (const v of volumes) await v.close();
  };
  try {
    const parents: ExplicitParent[] = [];
    for (const addr of addrs) {
      const a = parseAddress(addr);
      if (a.inner === undefined) {
        parents.push({ resolver: new HostResolver(path.dirname(a.host)), name: path.basename(a.host) });
        continue;
      }
      const v = await openVolume(a.host, { ...opts, parentAddresses: undefined });
      volumes.push(v);
      parents.push({ resolver: v.resolver(path.posix.dirname(a.inner)), name: path.posix.basename(a.inner) });
    }
    return { parents, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** One stderr line per --parent pairing: both CIDs, or why the delta has none to compare. */
function pairingNotes(vmdk: VmdkDisk): void {
  for (const p of vmdk.pairings ?? []) {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const parentCid = p.parentCid === null ? 'the parent has no CID (no descriptor)' : `parent CID ${hex(p.parentCid)}`;
    const check =
      p.childParentCid === null
        ? `the delta carries no parentCID (it was in the lost descriptor), ${parentCid}: the pairing is not checked, it rests on --parent`
        : `delta parentCID ${hex(p.childParentCid)}, ${parentCid}${p.childParentCid === p.parentCid ? ': they match' : ': they differ (read with --ignore-cid)'}`;
    process.stderr.write(`vmfskit: note: ${p.child} read over ${p.parent} (--parent); ${check}\n`);
  }
}

/** Open a VMDK through `resolver`, with the examiner's --parent list when there is one. */
async function openDisk(resolver: HostResolver | ReturnType<VmfsVolume['resolver']>, name: string, opts: OpenOptions): Promise<{ vmdk: VmdkDisk; close: () => Promise<void> }> {
  if (!opts.parentAddresses?.length) {
    const vmdk = await openVmdk(resolver, name, opts);
    return { vmdk, close: () => vmdk.close() };
  }
  const located = await locateParents(opts.parentAddresses, opts);
  try {
    const vmdk = await openVmdk(resolver, name, { ...opts, parents: located.parents });
    pairingNotes(vmdk);
    return {
      vmdk,
      close: async () => {
        await vmdk.close();
        await located.close();
      },
    };
  } catch (e) {
    await located.close();
    throw e;
  }
}

/** Open the VMFS volume inside a host LUN image/device (and its spanned members). */
export async function openVolume(host: string, opts: OpenOptions = {}): Promise<VmfsVolume> {
  const lun = await FileDevice.open(host);
  const extents: BlockDevice[] = [];
  try {
    for (const e of opts.extents ?? []) extents.push(await FileDevice.open(e));
    return await openVmfs(lun, host + SEP, { partition: opts.partition, extents, sectorSize: opts.sectorSize });
  } catch (e) {
    await lun.close();
    for (const x of extents) await x.close();
    throw e;
  }
}

/** True when `addr` names an existing host file, or an existing path in its VMFS volume. */
async function namesSomething(addr: string, opts: OpenOptions): Promise<boolean> {
  const a = parseAddress(addr);
  if (a.inner === undefined) return existsSync(a.host);
  if (!existsSync(a.host)) return false;
  const volume = await openVolume(a.host, opts);
  try {
    await volume.stat(a.inner);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'NOT_FOUND') return false;
    throw e;
  } finally {
    await volume.close();
  }
}

/**
 * Open any address as a BlockDevice. A trailing `#pN` / `#pN:repaired` names
 * a partition of the disk before it — unless a file of that exact name exists
 * (a `#` in a real file name keeps working).
 */
export async function openAddress(addr: string, opts: OpenOptions = {}): Promise<Opened> {
  const part = partitionSuffix(addr);
  if (!part || (await namesSomething(addr, opts))) return openWhole(addr, opts);
  const whole = await openWhole(part.base, opts);
  try {
    const { openPartition } = await import('./partition/guest.js');
    const p = await openPartition(whole.device, part.partition, addr, { repaired: part.repaired, sectorSize: opts.sectorSize });
    return {
      address: addr,
      kind: 'partition',
      device: p.device,
      volume: whole.volume,
      partition: { number: part.partition, start: p.start, size: p.size, from: p.from, disk: part.base, ...(p.patches ? { patches: p.patches.map((x) => ({ offset: x.offset, length: x.bytes.length, why: x.why })) } : {}) },
      close: () => whole.close(),
    };
  } catch (e) {
    await whole.close();
    throw e;
  }
}

async function openWhole(addr: string, opts: OpenOptions): Promise<Opened> {
  const a = parseAddress(addr);
  if (a.inner === undefined) {
    const dev = await FileDevice.open(a.host);
    const as = await opensAs(dev, opts, addr).catch(async (e: unknown) => {
      await dev.close();
      throw e;
    });
    if (as.disk) {
      await dev.close();
      const { vmdk, close } = await openDisk(new HostResolver(path.dirname(a.host)), path.basename(a.host), opts);
      return { address: addr, kind: 'vmdk', device: vmdk, vmdk, close };
    }
    if (opts.parentAddresses?.length) {
      await dev.close();
      throw notADelta(addr);
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
      const { vmdk, close } = await openDisk(volume.resolver(dir), path.posix.basename(a.inner), opts);
      return {
        address: addr,
        kind: 'vmdk',
        device: vmdk,
        vmdk,
        volume,
        close: async () => {
          await close();
          await volume.close();
        },
      };
    }
    if (opts.parentAddresses?.length) {
      await file.close();
      throw notADelta(addr);
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
export async function hostHasVmfs(host: string, sectorSize?: 512 | 4096): Promise<boolean> {
  const dev = await FileDevice.open(host);
  try {
    return await sniffVmfs(dev, sectorSize);
  } finally {
    await dev.close();
  }
}
