/**
 * Public face of the VMDK layer. CONTRACT (other layers rely on these
 * signatures; the implementation lives in the other files of src/vmdk/).
 */
import type { BlockDevice } from '../device/block-device.js';
import type { Resolver } from '../device/resolver.js';

export interface VmdkOpenOptions {
  /** Open even when a child's parentCID differs from its parent's CID (reported, not refused). */
  ignoreCidMismatch?: boolean;
  /** Open only this disk's own layer: no parent (an explicit "parent only"/"layer only" view). */
  noParent?: boolean;
  /** Recovery: read hosted sparse extents through their redundant grain directory (rgdOffset). */
  redundantGd?: boolean;
  /** Read SESparse deltas whose journal needs replaying (refused by default: their maps may be stale). */
  ignoreDirtyJournal?: boolean;
  /**
   * Parents named by the examiner (`--parent`), nearest first: parents[k] is opened as the parent
   * of layer k instead of what its descriptor names — for a delta whose descriptor is gone. A raw
   * file (an orphaned -flat.vmdk) is taken as a flat base disk.
   */
  parents?: ExplicitParent[];
}

/** A parent named on the command line: the directory it is in and its name there. */
export interface ExplicitParent {
  resolver: Resolver;
  name: string;
}

/** What `--parent` found out about one pairing, for the note the CLI prints. */
export interface ParentPairing {
  child: string;
  parent: string;
  /** The child's parentCID, or null when its format keeps none outside the lost descriptor (COWD, SESparse). */
  childParentCid: number | null;
  /** The parent's CID, or null when it has no descriptor (a raw flat, a lone delta). */
  parentCid: number | null;
}

/** One layer of a chain, as `info` shows it. */
export interface VmdkLayerInfo {
  /** Address of the file that holds the descriptor (or the sparse file with an embedded one). */
  filename: string;
  createType: string;
  cid: number;
  parentCid: number;
  parentFileNameHint?: string;
  extents: Array<{ access: string; sectors: number; type: string; filename?: string; offset?: number; format?: string; compressed?: boolean; note?: string }>;
  /** Bytes of data stored in this layer (allocated grains/blocks). */
  allocatedBytes?: number;
  ddb: Record<string, string>;
  warnings: string[];
}

/** A virtual disk: the state of the chain seen from its top layer. */
export interface VmdkDisk extends BlockDevice {
  /** Top layer first (layers[0] is this disk, layers[1] its parent, ...). */
  readonly layers: VmdkLayerInfo[];
  /** The disk as it stood before this layer (the parent state), or null for a base disk. */
  readonly parent: VmdkDisk | null;
  /** JSON for `info --json` (qemu-img key names where the meaning matches). */
  info(): Record<string, unknown>;
  /** Fill in `layers[].allocatedBytes` (walks every grain table, so not done at open). */
  computeAllocation?(): Promise<void>;
  /** The pairings made by `parents` (VmdkOpenOptions), top first. */
  readonly pairings?: ParentPairing[];
}

/** True when the first bytes look like any VMDK file (descriptor text, KDMV, COWD, SESparse). */
export async function sniffVmdk(dev: BlockDevice): Promise<boolean> {
  return (await import('./sniff.js')).sniff(dev);
}

/** Open the VMDK `name` through `resolver`, following its extents and parents. */
export async function openVmdk(resolver: Resolver, name: string, opts: VmdkOpenOptions = {}): Promise<VmdkDisk> {
  return (await import('./chain.js')).openChain(resolver, name, opts);
}
