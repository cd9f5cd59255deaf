/**
 * vmfskit as a library: `import { openAddress, openVolume, hash, snapshots, VmfskitError } from 'vmfskit'`.
 * This file is the package's only entry point (package.json "exports"); everything here is
 * what the CLI itself runs (src/open.ts, src/vmfs/, src/hash/, src/inventory/), re-exported or
 * wrapped in a thin, stable shape. It follows semver from 1.0: what is exported here changes
 * incompatibly only in a new major version. Nothing else under dist/ is reachable.
 */
import * as open from './open.js';
import type { BlockDevice, Run } from './device/block-device.js';
import { hashDevice, type DeviceDigest, type HashDeviceOptions } from './hash/hash-device.js';
import type { Algorithm } from './hash/algorithms.js';
import { snapshotsReport } from './inventory/report.js';
import { mapEntries as cliMapEntries, type MapEntry } from './vmdk/map-output.js';
import type { VmdkLayerInfo } from './vmdk/index.js';
import type { VmfsStat } from './vmfs/index.js';
import type { VmInventory } from './inventory/index.js';

export { VmfskitError, isVmfskitError, EXIT, type ErrorCode, type ErrorWhere } from './errors.js';
export { parseAddress, formatAddress, type Address, type OpenOptions } from './open.js';
export { ALGORITHMS, type Algorithm } from './hash/algorithms.js';
export type { Run, RunKind } from './device/block-device.js';
export type { VmfsStat, VmfsFileType } from './vmfs/index.js';
export type { VmdkLayerInfo } from './vmdk/index.js';
export type { MapEntry } from './vmdk/map-output.js';
export type { DeviceDigest, WindowDigest } from './hash/hash-device.js';
export type { VmInventory, DiskInventory, SnapshotNode, DiskState } from './inventory/index.js';
export type { ChainLayer } from './inventory/chain.js';
export { VERSION } from './version.js';

/**
 * Random-access, read-only bytes with an allocation map: a virtual disk (VMDK chain), a file
 * inside a VMFS volume, or a host file or device.
 */
export interface Disk {
  /** The address it was opened by (or the VMFS path, for `Volume.openFile`). */
  readonly address: string;
  /** `vmdk`: a virtual disk; `vmfs-file`: a file's bytes in VMFS; `host`: a host file's bytes. */
  readonly kind: 'vmdk' | 'vmfs-file' | 'host' | 'partition';
  /** Size in bytes. */
  readonly size: number;
  /** For a virtual disk: its chain, top layer first (what `vmfskit info ADDR` shows). */
  readonly layers?: readonly VmdkLayerInfo[];
  /** Fill `buffer` from `offset`; resolves to the bytes filled, short only at the end of the disk. */
  read(buffer: Uint8Array, offset: number): Promise<number>;
  /** Allocation runs covering [offset, offset + length) clipped to the disk (what `vmfskit map` prints). */
  map(offset: number, length: number): Promise<Run[]>;
  close(): Promise<void>;
}

/** A VMFS volume found in a LUN image or device (GPT, MBR or bare partition). */
export interface Volume {
  readonly label: string;
  readonly uuid: string;
  /** Volume facts as `vmfskit info LUN --json` gives them. */
  info(): Record<string, unknown>;
  stat(path: string): Promise<VmfsStat>;
  /** Entries of a directory, without "." and "..". */
  readdir(path: string): Promise<VmfsStat[]>;
  readlink(path: string): Promise<string>;
  /** A file's own bytes (thin holes read as zeros and map as `zero`). */
  openFile(path: string): Promise<Disk>;
  close(): Promise<void>;
}

/** The devices behind the Disks handed out, for hash() (which reads them the CLI's way). */
const devices = new WeakMap<Disk, BlockDevice>();

function asDisk(address: string, kind: Disk['kind'], device: BlockDevice, close: () => Promise<void>, layers?: VmdkLayerInfo[]): Disk {
  const disk: Disk = {
    address,
    kind,
    size: device.size,
    ...(layers ? { layers } : {}),
    read: (buffer, offset) => device.read(buffer, offset),
    map: (offset, length) => device.map(offset, length),
    close,
  };
  devices.set(disk, device);
  return disk;
}

/**
 * Open any address the CLI takes: `disk.vmdk`, `lun.img`, `/dev/sdb`, `lun.img::/VM/VM-000001.vmdk`
 * (a snapshot's point in time), `lun.img::/VM/VM-flat.vmdk` (a file's bytes) …
 * Rejects with a VmfskitError (`code` NOT_FOUND, CORRUPT, TRUNCATED, CHAIN, UNSUPPORTED, IO …).
 */
export async function openAddress(address: string, options: open.OpenOptions = {}): Promise<Disk> {
  const o = await open.openAddress(address, options);
  return asDisk(address, o.kind, o.device, () => o.close(), o.vmdk?.layers);
}

/** Open the VMFS volume inside a LUN image or device (`options.extents` for a spanned datastore). */
export async function openVolume(host: string, options: open.OpenOptions = {}): Promise<Volume> {
  const v = await open.openVolume(host, options);
  return {
    label: v.label,
    uuid: v.uuid,
    info: () => v.info(),
    stat: (p) => v.stat(p),
    readdir: (p) => v.readdir(p),
    readlink: (p) => v.readlink(p),
    openFile: async (p) => {
      const dev = await v.openFile(p);
      return asDisk(open.formatAddress(host, p), 'vmfs-file', dev, () => dev.close());
    },
    close: () => v.close(),
  };
}

function deviceOf(disk: Disk, fn: string): BlockDevice {
  const dev = devices.get(disk);
  if (!dev) throw new TypeError(`${fn}(): not a Disk from openAddress() or Volume.openFile()`);
  return dev;
}

/**
 * The disk's whole allocation map as `vmfskit map --json` prints it: qemu-img map entries
 * (start, length, depth, present, zero, data, offset) plus file and compressed, neighbours merged.
 */
export function mapEntries(disk: Disk): AsyncGenerator<MapEntry> {
  return cliMapEntries(deviceOf(disk, 'mapEntries'));
}

export interface HashOptions {
  /** Also digest every `window` bytes (a multiple of 512), like `vmfskit hash --window`. */
  window?: number;
  /** Read zero runs of the map too instead of hashing them without I/O. */
  ignoreMap?: boolean;
  /** Called as the read advances, with the bytes done. */
  onProgress?: (done: number) => void;
  /** Opening options, when `source` is an address. */
  open?: open.OpenOptions;
}

/**
 * All `algorithms` (md5, sha1, sha256, sha512, xxh64, xxh32) of a disk in one read pass, as
 * `vmfskit hash` computes them: lowercase hex digests keyed by algorithm name.
 */
export async function hash(source: string | Disk, algorithms: Algorithm[], options: HashOptions = {}): Promise<DeviceDigest> {
  const opts: HashDeviceOptions = { window: options.window, ignoreMap: options.ignoreMap };
  if (options.onProgress) {
    const report = options.onProgress;
    opts.onProgress = (done) => report(done);
  }
  if (typeof source !== 'string') {
    return hashDevice(deviceOf(source, 'hash'), algorithms, opts);
  }
  const o = await open.openAddress(source, options.open);
  try {
    return await hashDevice(o.device, algorithms, opts);
  } finally {
    await o.close();
  }
}

export interface Snapshots {
  /** The VMs found, each with its snapshot tree (.vmsd), disks, chains and readable states. */
  vms: import('./inventory/index.js').VmInventory[];
  /** The documented shape of `vmfskit snapshots --json`. */
  json: Record<string, unknown>;
  /** What `vmfskit snapshots` prints. */
  text: string;
}

/**
 * The snapshot tree of the VM folder(s) an address names: a host folder or .vmx, a LUN image
 * (its whole volume), or `lun.img::/VM/`. Each disk state names the descriptor to open with
 * openAddress() for that point in time.
 */
export async function snapshots(address: string, options: open.OpenOptions = {}): Promise<Snapshots> {
  const r = await snapshotsReport(address, options);
  try {
    return { vms: r.vms, json: r.json, text: r.text };
  } finally {
    await r.close();
  }
}
