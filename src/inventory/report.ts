/**
 * `vmfskit snapshots ADDR`: find the folder tree the address names (a host
 * folder, a .vmx on the host, a LUN image's whole volume, or `lun.img::/VM/`),
 * take the inventory and give it as text and as JSON.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { openVolume, parseAddress, hostHasVmfs, type OpenOptions } from '../open.js';
import { VmfskitError, fromOsError } from '../errors.js';
import type { FolderAccess } from './index.js';
import { HostFolderAccess, VmfsFolderAccess } from './folders.js';
import { inventory, type SnapshotNode, type VmInventory } from './inventory.js';
import { renderInventory } from './render.js';

export interface SnapshotsReport {
  /** The inventory itself (paths inside the folder tree); text and json are made from it. */
  vms: VmInventory[];
  text: string;
  json: Record<string, unknown>;
  close(): Promise<void>;
}

async function folderFor(addr: string, opts: OpenOptions): Promise<{ fa: FolderAccess; root: string; close(): Promise<void> }> {
  const a = parseAddress(addr);
  if (a.inner !== undefined) {
    const volume = await openVolume(a.host, opts);
    const root = /\.vmx$/i.test(a.inner) ? path.posix.dirname(a.inner) : a.inner;
    return { fa: new VmfsFolderAccess(volume), root, close: () => volume.close() };
  }
  const st = await fsp.stat(a.host).catch((e: unknown) => {
    throw fromOsError(e, a.host);
  });
  if (st.isDirectory()) return { fa: new HostFolderAccess(a.host), root: '/', close: async () => {} };
  if (/\.vmx$/i.test(a.host)) return { fa: new HostFolderAccess(path.dirname(a.host)), root: '/', close: async () => {} };
  if (await hostHasVmfs(a.host)) {
    const volume = await openVolume(a.host, opts);
    return { fa: new VmfsFolderAccess(volume), root: '/', close: () => volume.close() };
  }
  throw new VmfskitError('USAGE', 'not a VM folder, a .vmx file or a LUN image with a VMFS volume (a path inside a volume is written lun.img::/VM/)', { file: a.host });
}

function snapshotJson(n: SnapshotNode): Record<string, unknown> {
  return {
    uid: n.uid,
    parent: n.parent,
    name: n.name,
    description: n.description,
    created: n.created,
    'state-file': n.stateFile,
    'memory-file': n.memoryFile,
    current: n.current,
    disks: n.disks.map((d) => ({ node: d.node, filename: d.fileName })),
    children: n.children.map(snapshotJson),
  };
}

/** A VM of the inventory as `snapshots --json` gives it (triage reuses the disks and snapshots parts). */
export function vmJson(vm: VmInventory, fa: FolderAccess): Record<string, unknown> {
  return {
    dir: vm.dir,
    address: fa.display(vm.dir),
    name: vm.vm,
    vmx: vm.vmx && fa.display(vm.vmx),
    vmsd: vm.vmsd && fa.display(vm.vmsd),
    snapshots: vm.snapshots.map(snapshotJson),
    disks: vm.disks.map((d) => ({
      node: d.node,
      disk: d.disk,
      descriptor: fa.display(d.descriptor),
      'virtual-size': d.chain[0]?.size,
      chain: d.chain.map((l) => ({ filename: fa.display(l.path), 'create-type': l.createType, cid: l.cid, 'parent-cid': l.parentCid, 'backing-filename': l.parentHint, 'virtual-size': l.size })),
      problem: d.problem,
      states: d.states.map((s) => ({ ...s, open: fa.display(s.descriptor) })),
    })),
    warnings: vm.warnings,
  };
}

export async function snapshotsReport(addr: string, opts: OpenOptions = {}): Promise<SnapshotsReport> {
  const f = await folderFor(addr, opts);
  try {
    await f.fa.list(f.root); // a missing or unreadable folder is that error, not "no VM here"
    const vms = await inventory(f.fa, f.root);
    if (!vms.length) throw new VmfskitError('NOT_FOUND', 'no VM here: no .vmx and no VMDK descriptor in this folder or the folders below it', { file: f.fa.display(f.root) });
    return { vms, text: renderInventory(vms, f.fa), json: { address: addr, vms: vms.map((vm) => vmJson(vm, f.fa)) }, close: f.close };
  } catch (e) {
    await f.close();
    throw e;
  }
}
