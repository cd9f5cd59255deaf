/**
 * VMs, disks and snapshot states in a folder tree (a host folder or a VMFS
 * volume). CONTRACT used by `snapshots` and the FUSE `.disks/` view; the
 * deltas issue implements it in the other files of this folder.
 */
import type { Resolver } from '../device/resolver.js';
import { inventory } from './inventory.js';

/** Read-only access to a folder tree, host or VMFS. Paths are '/'-separated, absolute within the tree. */
export interface FolderAccess {
  /** How to show a path to the user (address form). */
  display(path: string): string;
  list(dir: string): Promise<Array<{ name: string; type: 'file' | 'dir' | 'symlink' | 'other'; size: number }>>;
  /** Read a small text file (descriptor, .vmx, .vmsd), at most `max` bytes. */
  readText(path: string, max: number): Promise<string>;
  /** Resolver for opening VMDKs in `dir`. */
  resolver(dir: string): Resolver;
}

/** One readable point in time of one virtual disk. */
export interface DiskState {
  /** VM folder path, e.g. "/VM". */
  vmDir: string;
  /** VM display name (from .vmx displayName, else the folder name). */
  vm: string;
  /** Disk base name, e.g. "VM" for VM.vmdk, "VM_1" for VM_1.vmdk. */
  disk: string;
  /** Path of the descriptor to open for this state, e.g. "/VM/VM-000001.vmdk". */
  descriptor: string;
  /** "current" for the running state, else the snapshot's name. */
  state: string;
  /** File-name-safe label for a view, e.g. "VM.raw" or "VM@Before-update.raw" (no extension here). */
  label: string;
  /** Snapshot facts from .vmsd when this state is a snapshot. */
  snapshot?: { uid: number; name: string; description?: string; created?: string; memoryFile?: string; stateFile?: string };
  virtualSize?: number;
}

/** Every disk state under `root` (default the whole tree), VM by VM, disk by disk, newest state first. */
export async function findDiskStates(fa: FolderAccess, root = '/'): Promise<DiskState[]> {
  return (await inventory(fa, root)).flatMap((vm) => vm.disks.flatMap((d) => d.states));
}

export type { VmInventory, DiskInventory, SnapshotNode } from './inventory.js';
export { inventory };
export { HostFolderAccess, VmfsFolderAccess } from './folders.js';
