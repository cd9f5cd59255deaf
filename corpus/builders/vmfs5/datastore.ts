/**
 * A datastore as an examiner receives it (issue 14): registered and
 * unregistered VMs whose .vmx files carry every kind of NIC and direct
 * hardware access, snapshots and a suspend with their memory files,
 * vmware.log files, a host's `.locker/log/` tree, a copy of the host's
 * vmInventory.xml — and, in blocks the bitmap calls free, the remains of a
 * deleted VM (descriptor, .vmx text, sparse/COWD/SESparse headers, a guest's
 * MBR+GPT and an NTFS boot sector) at known offsets.
 *
 * Spellings, and where they come from:
 * - .vmx keys (ethernetN.present/virtualDev/networkName/addressType/address/
 *   generatedAddress, pciPassthruN.id/deviceId/vendorId/systemId,
 *   usb.present, usb.autoConnect.deviceN = "vid:0x.... pid:0x....",
 *   serialN/parallelN.fileType = device|pipe|network|file + fileName,
 *   serialN.network.endPoint, floppyN.fileType, ideN:M.deviceType =
 *   atapi-cdrom, scsiN:M.deviceType = scsi-passthru, checkpoint.vmState,
 *   uuid.bios, vc.uuid, virtualHW.version, sched.swap.derivedName): VMware's
 *   vSphere/Workstation configuration-file documentation and KB articles
 *   (e.g. KB 1010789 static MAC addressType "static", KB 1022525 serial
 *   ports over the network "telnet://:PORT", KB 1010789/1003783 USB
 *   autoconnect), and .vmx files published with VMware Fling/labs.
 * - vmware.log lines: ESXi 7/8 form "TIMESTAMP In(05) vmx - MESSAGE" and the
 *   older ESXi 6 form "TIMESTAMP| vmx| I125: MESSAGE"; SnapshotVMX_TakeSnapshot
 *   start/SnapshotVMXTakeSnapshotComplete and "MainMem: Writing full memory
 *   image" as in the published ESXi 8 DFIR notes (vmware_esxi.html, 2024,
 *   "Events related to various operations"); "Log for VMware ESX pid=…
 *   version=… build=build-…", "Hostname=…", "Transitioned vmx/execState/val
 *   to poweredOn|poweredOff|suspended", "VMX has left the building: 0.",
 *   "Received migrate 'from' request for mid id …" as real vmware.log files
 *   attached to VMware community threads show them.
 * - Host logs: shell.log "In(14) shell[PID]: [root]: COMMAND", auth.log
 *   sshd "Accepted keyboard-interactive/pam for root from IP port N ssh2",
 *   hostd.log "In(166) Hostd[PID]: [Originator@6876 sub=…]" from the same
 *   published notes; file names and folders from VMware's "ESXi Log File
 *   Locations" (vSphere Monitoring documentation).
 * - vmInventory.xml: <ConfigRoot><ConfigEntry id="0000"><objID>,
 *   <secDomain>, <vmxCfgPath> as /etc/vmware/hostd/vmInventory.xml holds it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeCowdFile } from '../cowd-writer.js';
import { datastorePath } from './index.js';
import type { Content } from './content.js';
import type { TreeNode, VolumeSpec } from './spec.js';

const MiB = 1 << 20;
const GiB = 1 << 30;
/** 2023-11-17 22:13:20 UTC: the format time of the datastore. */
export const DS_T0 = 1_700_000_000 + 3 * 86400;

const text = (t: string): Content => ({ kind: 'text', text: t });
const pattern = (seed: number, length: number): Content => ({ kind: 'pattern', seed, length });
const lines = (l: string[]): string => l.join('\n') + '\n';
/** ISO time of DS_T0 + s seconds, with milliseconds. */
export const iso = (s: number, ms = 0): string => new Date((DS_T0 + s) * 1000 + ms).toISOString();

const ESXI = 'Log for VMware ESX pid=2100123 version=7.0.3 build=build-21930508 option=Release';

function descriptor(name: string, sectors: number, cid: string, createType = 'vmfs', extent = `RW ${sectors} VMFS "${name}-flat.vmdk"`, parent?: { cid: string; hint: string }): string {
  return lines([
    '# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', `CID=${cid}`, `parentCID=${parent ? parent.cid : 'ffffffff'}`,
    ...(parent ? [`parentFileNameHint="${parent.hint}"`] : []), `createType="${createType}"`, '', '# Extent description', extent, '',
    '# The Disk Data Base', '#DDB', '', 'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "19"',
  ]);
}

/** A valid COWD delta with one written grain (corpus/builders/cowd-writer.ts), as bytes. */
function cowdBytes(capacity: number, seed: number): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmfskit-ds-'));
  try {
    const f = path.join(dir, 'delta.vmdk');
    const grain = Buffer.alloc(512);
    grain.fill(seed & 0xff);
    writeCowdFile(f, { capacityBytes: capacity, grains: new Map([[0, grain]]) });
    return readFileSync(f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function vmxText(entries: Array<[string, string]>): string {
  return lines(entries.map(([k, v]) => `${k} = "${v}"`));
}

const common = (name: string, guest: string, hw: string, mem: string, bios: string, vc?: string): Array<[string, string]> => [
  ['.encoding', 'UTF-8'], ['config.version', '8'], ['virtualHW.version', hw], ['displayName', name], ['guestOS', guest], ['memSize', mem],
  ['numvcpus', '2'], ['uuid.bios', bios], ...(vc ? ([['vc.uuid', vc]] as Array<[string, string]>) : []), ['nvram', `${name}.nvram`],
  ['scsi0.present', 'TRUE'], ['scsi0.virtualDev', 'pvscsi'],
];

/** web01: two NICs on two networks (vpx-assigned and static MAC), a memory snapshot, running (a .vswp). */
function web01(ds: string): TreeNode {
  const vmx = vmxText([
    ...common('web01', 'ubuntu-64', '19', '1024', '42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8', '50 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 01'),
    ['scsi0:0.present', 'TRUE'], ['scsi0:0.fileName', 'web01-000001.vmdk'],
    ['ethernet0.present', 'TRUE'], ['ethernet0.virtualDev', 'vmxnet3'], ['ethernet0.networkName', 'VM Network'], ['ethernet0.addressType', 'vpx'], ['ethernet0.generatedAddress', '00:50:56:9a:10:01'],
    ['ethernet1.present', 'TRUE'], ['ethernet1.virtualDev', 'e1000e'], ['ethernet1.networkName', 'DMZ'], ['ethernet1.addressType', 'static'], ['ethernet1.address', '00:50:56:3f:00:11'],
    ['ethernet2.present', 'FALSE'], ['ethernet2.networkName', 'Backup'],
    ['sched.mem.min', '512'], ['sched.swap.derivedName', `${ds}/web01/web01-3c4d5e6f.vswp`],
  ]);
  const vmsd = lines([
    '.encoding = "UTF-8"', 'snapshot.lastUID = "1"', 'snapshot.current = "1"', 'snapshot0.uid = "1"', 'snapshot0.filename = "web01-Snapshot1.vmsn"',
    'snapshot0.displayName = "before-patch"', 'snapshot0.description = "taken from the shell"', `snapshot0.createTimeHigh = "${Math.floor(((DS_T0 + 3000) * 1e6) / 2 ** 32)}"`,
    `snapshot0.createTimeLow = "${((DS_T0 + 3000) * 1e6) % 2 ** 32 | 0}"`, 'snapshot0.numDisks = "1"', 'snapshot0.disk0.fileName = "web01.vmdk"', 'snapshot0.disk0.node = "scsi0:0"',
    'snapshot.numSnapshots = "1"',
  ]);
  const log1 = lines([
    `${iso(-86400 * 2)}| vmx| I125: ${ESXI}`,
    `${iso(-86400 * 2, 1)}| vmx| I125: Hostname=esx02.example.lab`,
    `${iso(-86400 * 2 + 5)}| vmx| I125: Transitioned vmx/execState/val to poweredOn`,
    `${iso(-86400 + 60)}| vmx| I125: Received migrate 'from' request for mid id 1700080000123456, src ip <10.0.0.12>.`,
    `${iso(-86400 + 3600)}| vmx| I125: Transitioned vmx/execState/val to poweredOff`,
    `${iso(-86400 + 3601)}| vmx| I125: VMX has left the building: 0.`,
  ]);
  const log = lines([
    `${iso(2000, 100)} In(05) vmx - ${ESXI}`,
    `${iso(2000, 101)} In(05) vmx - Hostname=esx01.example.lab`,
    `${iso(2010)} In(05) vmx - Transitioned vmx/execState/val to poweredOn`,
    `${iso(2020)} In(05) vmx - this line has no event in it`,
    `${iso(3000, 666)} In(05) vmx vim-cmd-09-a45d SnapshotVMX_TakeSnapshot start: 'before-patch', deviceState=1, lazy=1, quiesced=0, forceNative=0, tryNative=1, saveAllocMaps=0`,
    `${iso(3000, 680)} In(05) vcpu-0 vim-cmd-09-a45d MainMem: Writing full memory image, '${ds}/web01/web01-Snapshot1.vmem'`,
    `${iso(3001, 585)} In(05) vmx - SnapshotVMXTakeSnapshotComplete: Done with snapshot 'before-patch': 1`,
  ]);
  return {
    type: 'dir', name: 'web01', mtime: DS_T0 + 3002, children: [
      { type: 'file', name: 'web01.vmx', mode: 0o755, mtime: DS_T0 + 3001, content: text(vmx) },
      { type: 'file', name: 'web01.vmsd', mtime: DS_T0 + 3001, content: text(vmsd) },
      { type: 'file', name: 'web01.nvram', mtime: DS_T0 + 2010, content: pattern(301, 8684) },
      { type: 'file', name: 'web01.vmdk', mode: 0o600, mtime: DS_T0 + 100, content: text(descriptor('web01', 32768, 'a1b2c3d4')) },
      { type: 'file', name: 'web01-flat.vmdk', mode: 0o600, mtime: DS_T0 + 3000, size: 16 * MiB, pieces: [{ offset: 0, content: pattern(302, 65536) }] },
      { type: 'file', name: 'web01-000001.vmdk', mode: 0o600, mtime: DS_T0 + 3001, content: text(descriptor('web01-000001', 32768, 'b2c3d4e5', 'vmfsSparse', 'RW 32768 VMFSSPARSE "web01-000001-delta.vmdk"', { cid: 'a1b2c3d4', hint: 'web01.vmdk' })) },
      { type: 'file', name: 'web01-000001-delta.vmdk', mode: 0o600, mtime: DS_T0 + 3100, content: { kind: 'bytes', data: cowdBytes(16 * MiB, 0x31) } },
      { type: 'file', name: 'web01-Snapshot1.vmsn', mtime: DS_T0 + 3001, content: pattern(303, 40000) },
      { type: 'file', name: 'web01-Snapshot1.vmem', mtime: DS_T0 + 3001, size: GiB, pieces: [{ offset: 0, content: pattern(304, 4096) }, { offset: GiB / 2, content: pattern(305, 4096) }] },
      { type: 'file', name: 'web01-3c4d5e6f.vswp', mode: 0o600, mtime: DS_T0 + 2010, size: GiB / 2 },
      { type: 'file', name: 'vmware-1.log', mtime: DS_T0 - 86400 + 3601, content: text(log1) },
      { type: 'file', name: 'vmware.log', mtime: DS_T0 + 3002, content: text(log) },
    ],
  };
}

/** db01: PCI passthrough, an RDM (physical compatibility) to a LUN, a serial port on a host device, suspended (.vmss + .vmem). */
function db01(): TreeNode {
  const vmx = vmxText([
    ...common('db01', 'windows2019srv-64', '17', '1024', '42 22 33 44 55 66 77 88-99 aa bb cc dd ee ff 00', '50 22 33 44 55 66 77 88-99 aa bb cc dd ee ff 02'),
    ['scsi0:0.present', 'TRUE'], ['scsi0:0.fileName', 'db01.vmdk'],
    ['scsi0:1.present', 'TRUE'], ['scsi0:1.fileName', 'db01_1.vmdk'], ['scsi0:1.mode', 'independent-persistent'],
    ['ethernet0.present', 'TRUE'], ['ethernet0.virtualDev', 'vmxnet3'], ['ethernet0.networkName', 'VM Network'], ['ethernet0.addressType', 'generated'], ['ethernet0.generatedAddress', '00:0c:29:44:55:66'],
    ['pciPassthru0.present', 'TRUE'], ['pciPassthru0.id', '00000:003:00.0'], ['pciPassthru0.deviceId', '0x10fb'], ['pciPassthru0.vendorId', '0x8086'], ['pciPassthru0.systemId', '5f1e2d3c-aaaa-bbbb-cccc-0123456789ab'],
    ['serial0.present', 'TRUE'], ['serial0.fileType', 'device'], ['serial0.fileName', '/dev/char/serial/uart0'],
    ['checkpoint.vmState', 'db01-5a6b7c8d.vmss'],
  ]);
  const log = lines([
    `${iso(1000)} In(05) vmx - ${ESXI}`,
    `${iso(1000, 1)} In(05) vmx - Hostname=esx01.example.lab`,
    `${iso(1010)} In(05) vmx - Transitioned vmx/execState/val to poweredOn`,
    `${iso(5000)} In(05) vmx - Transitioned vmx/execState/val to suspended`,
    `${iso(5001)} In(05) vmx - VMX has left the building: 0.`,
  ]);
  return {
    type: 'dir', name: 'db01', mtime: DS_T0 + 5001, children: [
      { type: 'file', name: 'db01.vmx', mode: 0o755, mtime: DS_T0 + 5000, content: text(vmx) },
      { type: 'file', name: 'db01.vmdk', mode: 0o600, mtime: DS_T0 + 200, content: text(descriptor('db01', 16384, 'c3d4e5f6')) },
      { type: 'file', name: 'db01-flat.vmdk', mode: 0o600, mtime: DS_T0 + 5000, size: 8 * MiB, pieces: [{ offset: 0, content: pattern(311, 512) }] },
      { type: 'file', name: 'db01_1.vmdk', mode: 0o600, mtime: DS_T0 + 210, content: text(descriptor('db01_1', 41943040, 'fffffffe', 'vmfsPassthroughRawDeviceMap', 'RW 41943040 VMFSRDM "db01_1-rdmp.vmdk"')) },
      { type: 'rdm', name: 'db01_1-rdmp.vmdk', mtime: DS_T0 + 210, size: 20 * GiB, lunId: 'naa.600508b1001c5e3a9f2d7c6b5a493827' },
      { type: 'file', name: 'db01-5a6b7c8d.vmss', mtime: DS_T0 + 5000, content: pattern(312, 30000) },
      { type: 'file', name: 'db01-5a6b7c8d.vmem', mtime: DS_T0 + 5000, size: GiB, pieces: [{ offset: 0, content: pattern(313, 4096) }] },
      { type: 'file', name: 'vmware.log', mtime: DS_T0 + 5001, content: text(log) },
    ],
  };
}

/** kiosk: USB auto-connect, serial to a pipe and to the network, parallel to a file, host CD-ROM and floppy, SCSI passthrough; a memory snapshot whose .vmem is gone. */
function kiosk(): TreeNode {
  const vmx = vmxText([
    ...common('kiosk', 'windows9-64', '14', '4096', '42 33 44 55 66 77 88 99-aa bb cc dd ee ff 00 11'),
    ['scsi0:0.present', 'TRUE'], ['scsi0:0.fileName', 'kiosk.vmdk'],
    ['ethernet0.present', 'TRUE'], ['ethernet0.virtualDev', 'e1000'], ['ethernet0.networkName', 'Kiosk LAN'], ['ethernet0.addressType', 'generated'], ['ethernet0.generatedAddress', '00:0c:29:77:88:99'],
    ['usb.present', 'TRUE'], ['ehci.present', 'TRUE'], ['usb.autoConnect.device0', 'vid:0x0781 pid:0x5567'], ['usb:1.present', 'TRUE'], ['usb:1.deviceType', 'hub'],
    ['serial0.present', 'TRUE'], ['serial0.fileType', 'pipe'], ['serial0.fileName', '/tmp/kiosk-com1'],
    ['serial1.present', 'TRUE'], ['serial1.fileType', 'network'], ['serial1.fileName', 'telnet://:23001'], ['serial1.network.endPoint', 'server'],
    ['parallel0.present', 'TRUE'], ['parallel0.fileType', 'file'], ['parallel0.fileName', 'kiosk-lpt.txt'],
    ['ide1:0.present', 'TRUE'], ['ide1:0.deviceType', 'atapi-cdrom'], ['ide1:0.fileName', '/vmfs/devices/cdrom/mpx.vmhba32:C0:T0:L0'],
    ['ide1:1.present', 'TRUE'], ['ide1:1.deviceType', 'cdrom-image'], ['ide1:1.fileName', 'install.iso'],
    ['floppy0.present', 'TRUE'], ['floppy0.fileType', 'device'], ['floppy0.fileName', '/dev/fd0'],
    ['scsi1.present', 'TRUE'], ['scsi1:0.present', 'TRUE'], ['scsi1:0.deviceType', 'scsi-passthru'], ['scsi1:0.fileName', '/vmfs/devices/genscsi/naa.5000e11156304001'],
  ]);
  const vmsd = lines([
    'snapshot.lastUID = "4"', 'snapshot.current = "4"', 'snapshot0.uid = "4"', 'snapshot0.filename = "kiosk-Snapshot4.vmsn"', 'snapshot0.displayName = "golden"',
    'snapshot0.numDisks = "1"', 'snapshot0.disk0.fileName = "kiosk.vmdk"', 'snapshot0.disk0.node = "scsi0:0"', 'snapshot.numSnapshots = "1"',
  ]);
  const log = lines([
    `${iso(600)} In(05) vmx - ${ESXI}`,
    `${iso(600, 2)} In(05) vmx - Hostname=esx01.example.lab`,
    `${iso(610)} In(05) vmx - Transitioned vmx/execState/val to poweredOn`,
    `2023-13-45T99:99:99.000Z In(05) vmx - a line whose time cannot be right`,
    `${iso(700)} In(05) vmx - SnapshotVMX_TakeSnapshot start: 'golden', deviceState=1, lazy=1, quiesced=0, forceNative=0, tryNative=1, saveAllocMaps=0`,
    `${iso(4000)} In(05) vmx - SnapshotVMX_Consolidate: Starting online snapshot consolidate operation.`,
  ]);
  return {
    type: 'dir', name: 'kiosk', mtime: DS_T0 + 4000, children: [
      { type: 'file', name: 'kiosk.vmx', mode: 0o755, mtime: DS_T0 + 700, content: text(vmx) },
      { type: 'file', name: 'kiosk.vmsd', mtime: DS_T0 + 700, content: text(vmsd) },
      { type: 'file', name: 'kiosk.vmdk', mode: 0o600, mtime: DS_T0 + 300, content: text(descriptor('kiosk', 8192, 'd4e5f607')) },
      { type: 'file', name: 'kiosk-flat.vmdk', mode: 0o600, mtime: DS_T0 + 700, size: 4 * MiB, pieces: [{ offset: 0, content: pattern(321, 1024) }] },
      { type: 'file', name: 'kiosk-Snapshot4.vmsn', mtime: DS_T0 + 700, content: pattern(322, 20000) },
      { type: 'file', name: 'vmware.log', mtime: DS_T0 + 4000, content: text(log) },
    ],
  };
}

/** archive/old-vm: a VM no inventory lists, two levels down, with an ESXi 6 style log. */
function archive(): TreeNode {
  const vmx = vmxText([
    ['.encoding', 'UTF-8'], ['config.version', '8'], ['virtualHW.version', '11'], ['displayName', 'old-vm'], ['guestOS', 'winxppro'], ['memSize', '512'],
    ['uuid.bios', '56 4d aa bb cc dd ee ff-00 11 22 33 44 55 66 77'],
    ['ide0:0.present', 'TRUE'], ['ide0:0.fileName', 'old-vm.vmdk'],
    ['ethernet0.present', 'TRUE'], ['ethernet0.virtualDev', 'vlance'], ['ethernet0.networkName', 'VM Network'], ['ethernet0.addressType', 'generated'], ['ethernet0.generatedAddress', '00:0c:29:ab:cd:ef'],
  ]);
  const log = lines([
    '2019-06-01T10:00:00.000Z| vmx| I125: Log for VMware ESX pid=65432 version=6.0.0 build=build-3620759 option=Release',
    '2019-06-01T10:00:00.001Z| vmx| I125: Hostname=esx-old.example.lab',
    '2019-06-01T10:00:05.000Z| vmx| I125: Transitioned vmx/execState/val to poweredOn',
    '2019-06-02T18:30:00.000Z| vmx| I125: Transitioned vmx/execState/val to poweredOff',
  ]);
  return {
    type: 'dir', name: 'archive', mtime: DS_T0 + 400, children: [
      { type: 'dir', name: 'old-vm', mtime: DS_T0 + 400, children: [
        { type: 'file', name: 'old-vm.vmx', mtime: DS_T0 + 400, content: text(vmx) },
        { type: 'file', name: 'old-vm.vmdk', mode: 0o600, mtime: DS_T0 + 400, content: text(descriptor('old-vm', 4096, 'e5f60718')) },
        { type: 'file', name: 'old-vm-flat.vmdk', mode: 0o600, mtime: DS_T0 + 400, size: 2 * MiB, pieces: [{ offset: 0, content: pattern(331, 512) }] },
        { type: 'file', name: 'vmware.log', mtime: DS_T0 + 400, content: text(log) },
      ] },
    ],
  };
}

/** The host's scratch logs (.locker/log/) and a copy of its vmInventory.xml. */
function hostFiles(ds: string): TreeNode[] {
  const shell = lines([
    `${iso(2900)} In(14) shell[2099101]: Interactive shell session started`,
    `${iso(2912, 456)} In(14) shell[2099101]: [root]: esxcli system version get`,
    `${iso(2930)} In(14) shell[2099101]: [root]: vim-cmd vmsvc/getallvms`,
    `${iso(2970)} In(14) shell[2099101]: [root]: esxcli system settings encryption get`,
    `${iso(2990)} In(14) shell[2099101]: [root]: vim-cmd vmsvc/snapshot.create 1 before-patch`,
    `${iso(3300)} In(14) shell[2099101]: [root]: esxcli vm process list`,
    `${iso(3400)} In(14) shell[2099101]: [root]: esxcli system syslog config set --logdir=/tmp`,
  ]);
  const auth = lines([
    `${iso(2890, 281)} In(38) sshd[2099090]: Connection from 192.168.127.10 port 58470`,
    `${iso(2890, 320)} In(38) sshd[2099090]: Accepted keyboard-interactive/pam for root from 192.168.127.10 port 58470 ssh2`,
    `${iso(3500, 981)} In(38) sshd[2099090]: Session closed for 'root' on /dev/char/pty/t0`,
  ]);
  const hostd = lines([
    `${iso(60)} In(166) Hostd[2098765]: [Originator@6876 sub=Hostsvc] Hostd service started`,
    `${iso(2880)} In(166) Hostd[2098765]: [Originator@6876 sub=Vimsvc.ha-eventmgr] Event 129 : SSH access has been enabled.`,
    `${iso(3001)} In(166) Hostd[2098765]: [Originator@6876 sub=Vimsvc.ha-eventmgr] Event 201 : Created snapshot before-patch on web01`,
  ]);
  const vmkernel = lines([`${iso(30)} cpu0:2097152)Boot Successful`, `${iso(3600)} cpu1:2098000)NetPort: 1632: disabled port 0x4000004`]);
  const vobd = lines([`${iso(2880, 50)}: [UserLevelCorrelator] 2880050us: [esx.audit.ssh.enabled] SSH access has been enabled.`]);
  const inventory = lines([
    '<ConfigRoot>',
    '  <ConfigEntry id="0000">', '    <objID>1</objID>', '    <secDomain>23</secDomain>', `    <vmxCfgPath>${ds}/web01/web01.vmx</vmxCfgPath>`, '  </ConfigEntry>',
    '  <ConfigEntry id="0001">', '    <objID>2</objID>', '    <secDomain>24</secDomain>', `    <vmxCfgPath>${ds}/db01/db01.vmx</vmxCfgPath>`, '  </ConfigEntry>',
    '  <ConfigEntry id="0002">', '    <objID>3</objID>', '    <secDomain>25</secDomain>', `    <vmxCfgPath>${ds}/kiosk/kiosk.vmx</vmxCfgPath>`, '  </ConfigEntry>',
    '  <ConfigEntry id="0003">', '    <objID>4</objID>', '    <secDomain>26</secDomain>', `    <vmxCfgPath>${ds}/gone/gone.vmx</vmxCfgPath>`, '  </ConfigEntry>',
    '</ConfigRoot>',
  ]);
  return [
    { type: 'dir', name: '.locker', mtime: DS_T0 + 10, children: [
      { type: 'dir', name: 'log', mtime: DS_T0 + 3600, children: [
        { type: 'file', name: 'shell.log', mtime: DS_T0 + 3400, content: text(shell) },
        { type: 'file', name: 'auth.log', mtime: DS_T0 + 3500, content: text(auth) },
        { type: 'file', name: 'hostd.log', mtime: DS_T0 + 3001, content: text(hostd) },
        { type: 'file', name: 'vmkernel.log', mtime: DS_T0 + 3600, content: text(vmkernel) },
        { type: 'file', name: 'vobd.log', mtime: DS_T0 + 2880, content: text(vobd) },
      ] },
    ] },
    { type: 'dir', name: 'host-config', mtime: DS_T0 + 20, children: [
      { type: 'dir', name: 'etc', mtime: DS_T0 + 20, children: [
        { type: 'dir', name: 'vmware', mtime: DS_T0 + 20, children: [
          { type: 'dir', name: 'hostd', mtime: DS_T0 + 20, children: [
            { type: 'file', name: 'vmInventory.xml', mtime: DS_T0 + 20, content: text(inventory) },
          ] },
        ] },
      ] },
    ] },
  ];
}

/** Sector-sized artefacts of a deleted VM, left in free blocks (VolumeSpec.residue). */
export function residueArtefacts(): { residue: NonNullable<VolumeSpec['residue']>; expect: Array<{ kind: string; fromEnd: number; offset: number }> } {
  const kdmv = Buffer.alloc(512);
  kdmv.write('KDMV', 0, 'latin1');
  kdmv.writeUInt32LE(1, 4); // version
  kdmv.writeUInt32LE(3, 8); // flags: valid newline test, redundant GT
  kdmv.writeBigUInt64LE(41943040n, 12); // capacity in sectors
  kdmv.writeBigUInt64LE(128n, 20); // grain size
  kdmv.writeBigUInt64LE(1n, 28); // descriptor offset
  kdmv.writeBigUInt64LE(20n, 36); // descriptor size
  kdmv.writeUInt32LE(512, 44); // GTEs per GT
  kdmv.write('\n \r\n', 73, 'latin1');
  const cowd = Buffer.alloc(512);
  cowd.write('COWD', 0, 'latin1');
  cowd.writeUInt32LE(1, 4);
  cowd.writeUInt32LE(3, 8);
  cowd.writeUInt32LE(8192, 12);
  const se = Buffer.alloc(512);
  se.writeBigUInt64LE(0xcafebaben, 0);
  se.writeBigUInt64LE(0x200000001n, 8);
  const mbr = Buffer.alloc(1024);
  mbr.writeUInt8(0x80, 446); // bootable
  mbr.writeUInt8(0xee, 450); // protective GPT entry, as a guest's GPT disk starts
  mbr.writeUInt32LE(1, 454);
  mbr.writeUInt32LE(0xffffffff, 458);
  mbr.writeUInt16LE(0xaa55, 510);
  mbr.write('EFI PART', 512, 'latin1');
  mbr.writeUInt32LE(0x00010000, 520);
  const ntfs = Buffer.alloc(512);
  ntfs.set([0xeb, 0x52, 0x90], 0);
  ntfs.write('NTFS    ', 3, 'latin1');
  ntfs.writeUInt16LE(512, 11);
  ntfs.writeUInt16LE(0xaa55, 510);
  const oldDescriptor = descriptor('deleted-vm', 41943040, '0badc0de');
  const oldVmx = vmxText([['.encoding', 'UTF-8'], ['config.version', '8'], ['virtualHW.version', '13'], ['displayName', 'deleted-vm']]);
  const residue: NonNullable<VolumeSpec['residue']> = [
    { fromEnd: 10, offset: 0, content: text(oldDescriptor) },
    { fromEnd: 20, offset: 0x10000, content: { kind: 'bytes', data: kdmv } },
    { fromEnd: 30, offset: 0x2345, content: text(oldVmx) },
    { fromEnd: 40, offset: 0, content: { kind: 'bytes', data: mbr } },
    { fromEnd: 50, offset: 0x7e00, content: { kind: 'bytes', data: ntfs } },
    { fromEnd: 60, offset: 0x200, content: { kind: 'bytes', data: cowd } },
    { fromEnd: 70, offset: 0x400, content: { kind: 'bytes', data: se } },
  ];
  const expect = [
    { kind: 'vmdk-descriptor', fromEnd: 10, offset: 0 },
    { kind: 'vmdk-sparse-header', fromEnd: 20, offset: 0x10000 },
    { kind: 'vmx-text', fromEnd: 30, offset: 0x2345 + oldVmx.indexOf('config.version') },
    { kind: 'mbr', fromEnd: 40, offset: 0 },
    { kind: 'gpt-header', fromEnd: 40, offset: 512 },
    { kind: 'ntfs-boot-sector', fromEnd: 50, offset: 0x7e00 },
    { kind: 'cowd-header', fromEnd: 60, offset: 0x200 },
    { kind: 'sesparse-header', fromEnd: 70, offset: 0x400 },
  ];
  return { residue, expect };
}

export function datastoreSpec(): VolumeSpec {
  const spec: VolumeSpec = { label: 'datastore1', createTime: DS_T0, uuidSeed: 0x5104, rootMtime: DS_T0 + 5001, root: [] };
  const ds = datastorePath(spec);
  spec.root = [web01(ds), db01(), kiosk(), archive(), ...hostFiles(ds)];
  spec.residue = residueArtefacts().residue;
  return spec;
}

/** `count` VM folders of the same shape (the triage benchmark's datastore). */
export function benchDatastoreSpec(count: number): VolumeSpec {
  const spec: VolumeSpec = { label: 'bench-ds', createTime: DS_T0, uuidSeed: 0x5105, rootMtime: DS_T0, root: [] };
  const ds = datastorePath(spec);
  const base = web01(ds) as Extract<TreeNode, { type: 'dir' }>;
  spec.root = Array.from({ length: count }, (_, i): TreeNode => ({
    type: 'dir', name: `vm${String(i).padStart(3, '0')}`, mtime: DS_T0 + i, children: base.children
      .filter((c) => c.type === 'file' && !/\.(vmem|vswp)$|flat/.test(c.name))
      .map((c) => ({ ...c })),
  }));
  spec.root.push(...hostFiles(ds));
  return spec;
}
