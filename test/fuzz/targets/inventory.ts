/**
 * The .vmx and .vmsd readers (src/inventory/): a VM folder with a base disk
 * and two COWD snapshots; a case damages the .vmx or the .vmsd, then the
 * inventory (`snapshots`), its rendering, and every disk state it finds is
 * opened and read (what the mount's .disks/ view does).
 */
import path from 'node:path';
import { writeCowdFile } from '../../../corpus/builders/cowd-writer.js';
import { vmsdTime } from '../../../corpus/builders/delta-chains.js';
import { HostFolderAccess, inventory } from '../../../src/inventory/index.js';
import { renderInventory } from '../../../src/inventory/render.js';
import { exerciseAddress } from '../exercise.js';
import { fileSetFixture, type FileSeed } from '../file-set.js';
import type { FuzzTarget } from '../target.js';
import { built, CAPACITY, chainFiles, grains } from './delta-chain.js';

function vmsd(): string {
  const l = ['.encoding = "UTF-8"', 'snapshot.lastUID = "2"', 'snapshot.current = "2"'];
  [1, 2].forEach((uid, i) => {
    const t = vmsdTime(`2024-03-0${uid}T10:00:00.000Z`);
    const p = `snapshot${i}`;
    if (uid === 2) l.push(`${p}.parent = "1"`);
    l.push(`${p}.uid = "${uid}"`, `${p}.filename = "VM-Snapshot${uid}.vmsn"`, `${p}.displayName = "snap ${uid}"`, `${p}.description = "before update ${uid}"`,
      `${p}.type = "1"`, `${p}.createTimeHigh = "${t.high}"`, `${p}.createTimeLow = "${t.low}"`, `${p}.numDisks = "1"`,
      `${p}.disk0.fileName = "${uid === 1 ? 'base.vmdk' : 'd.vmdk'}"`, `${p}.disk0.node = "scsi0:0"`);
  });
  l.push('snapshot.numSnapshots = "2"');
  return l.join('\n') + '\n';
}

const VMX = ['.encoding = "UTF-8"', 'config.version = "8"', 'virtualHW.version = "14"', 'displayName = "VM"', 'scsi0.present = "TRUE"', 'scsi0.virtualDev = "lsilogic"',
  'scsi0:0.present = "TRUE"', 'scsi0:0.deviceType = "scsi-hardDisk"', 'scsi0:0.fileName = "top.vmdk"', 'scsi0:1.present = "TRUE"', 'scsi0:1.fileName = "base.vmdk"',
  'ide1:0.present = "TRUE"', 'ide1:0.deviceType = "cdrom-image"', 'ide1:0.fileName = "/vmfs/volumes/datastore1/iso/install.iso"'].join('\n') + '\n';

const LINES = ['scsi0:2.present = "TRUE"', 'scsi0:2.fileName = "d.vmdk"', 'scsi0:0.fileName = "../../x.vmdk"', 'snapshot0.parent = "0"', 'snapshot1.parent = "2"',
  'snapshot.numSnapshots = "4294967296"', 'snapshot2.uid = "1"', 'snapshot0.disk0.fileName = "/vmfs/volumes/x/base.vmdk"', 'snapshot0.createTimeHigh = "-2147483648"', 'displayName = ""'];

export const target: FuzzTarget = {
  name: 'inventory',
  about: '.vmx and .vmsd text of a VM folder with a two-snapshot COWD chain: inventory, rendering, every disk state read',
  async setup() {
    const chain = chainFiles('VMFSSPARSE', 'd-delta.vmdk');
    const delta = (g: number[]) => built((f) => writeCowdFile(f, { capacityBytes: CAPACITY, grains: grains(g, 512) }));
    const top = chain['d.vmdk']!.toString().replace('CID=5e6f7a8b', 'CID=0badf00d').replace('parentCID=1a2b3c4d', 'parentCID=5e6f7a8b').replace('base.vmdk', 'd.vmdk').replace('d-delta.vmdk', 'top-delta.vmdk');
    const files = { ...chain, 'd-delta.vmdk': delta([0, 9]), 'top.vmdk': Buffer.from(top), 'top-delta.vmdk': delta([1, 4000]), 'VM.vmx': Buffer.from(VMX), 'VM.vmsd': Buffer.from(vmsd()) };
    const text = { lines: LINES };
    const seeds: FileSeed[] = [
      { label: 'vmx', files, target: 'VM.vmx', text },
      { label: 'vmsd', files, target: 'VM.vmsd', text },
    ];
    return fileSetFixture(seeds, async (dir) => {
      const fa = new HostFolderAccess(dir);
      const vms = await inventory(fa);
      renderInventory(vms, fa);
      for (const vm of vms) for (const d of vm.disks) for (const s of d.states) await exerciseAddress(path.join(dir, ...s.descriptor.split('/').filter(Boolean)));
    });
  },
};
