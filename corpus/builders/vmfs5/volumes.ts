/**
 * The VMFS-5 test volumes of the corpus (built by corpus/build-vmfs.sh into
 * corpus/out/, recorded in the "vmfs" section of corpus/MANIFEST, rebuilt by
 * test/vmfs-builder.test.ts). Changing a spec changes its image sha256: rerun
 * the build script so the oracles re-check and re-record it.
 */
import { datastorePath } from './index.js';
import { datastoreSpec } from './datastore.js';
import type { Content } from './content.js';
import type { TreeNode, VolumeSpec } from './spec.js';

const MiB = 1 << 20;
const GiB = 1 << 30;
/** 2023-11-14 22:13:20 UTC: the format time of every test volume. */
const T0 = 1_700_000_000;

const text = (t: string): Content => ({ kind: 'text', text: t });
const pattern = (seed: number, length: number): Content => ({ kind: 'pattern', seed, length });

/** A VM folder as ESXi 6.x/7.x leaves it for a powered-off VM with three disks. */
function vmFolder(spec: () => VolumeSpec): TreeNode {
  const vmx = [
    '.encoding = "UTF-8"', 'config.version = "8"', 'virtualHW.version = "14"', 'displayName = "VM"', 'guestOS = "debian10-64"',
    'memSize = "1024"', 'numvcpus = "1"', 'scsi0.present = "TRUE"', 'scsi0.virtualDev = "pvscsi"',
    'scsi0:0.present = "TRUE"', 'scsi0:0.fileName = "VM.vmdk"', 'scsi0:1.present = "TRUE"', 'scsi0:1.fileName = "VM_1.vmdk"',
    'scsi0:2.present = "TRUE"', 'scsi0:2.fileName = "VM_2.vmdk"', 'scsi0:2.mode = "independent-persistent"',
    'nvram = "VM.nvram"', 'uuid.bios = "56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc"',
    ...Array.from({ length: 40 }, (_, i) => `ethernet0.pciSlotNumber.extra${i} = "${160 + i}"`),
  ].join('\n') + '\n';
  const descriptor = (name: string, sectors: number, cid: string, thin: boolean): string =>
    [
      '# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', `CID=${cid}`, 'parentCID=ffffffff', 'createType="vmfs"', '',
      '# Extent description', `RW ${sectors} VMFS "${name}-flat.vmdk"`, '', '# The Disk Data Base', '#DDB', '',
      'ddb.adapterType = "lsilogic"', `ddb.geometry.cylinders = "${Math.ceil(sectors / 16065)}"`, 'ddb.geometry.heads = "255"',
      'ddb.geometry.sectors = "63"', `ddb.longContentID = "${cid}${cid}${cid}${cid}"`, ...(thin ? ['ddb.thinProvisioned = "1"'] : []),
      'ddb.uuid = "60 00 C2 90 12 34 56 78-9a bc de f0 12 34 56 78"', 'ddb.virtualHWVersion = "14"', '',
    ].join('\n');
  const rdmDescriptor = [
    '# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="vmfsRawDeviceMap"', '',
    '# Extent description', 'RW 20971520 VMFSRDM "VM_2-rdm.vmdk"', '', '# The Disk Data Base', '#DDB', '',
    'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "14"', '',
  ].join('\n');
  const log = Array.from({ length: 3000 }, (_, i) => `2023-11-14T22:${String(20 + Math.floor(i / 60) % 40).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z| vmx| I005: line ${i} of the log\n`).join('');
  return {
    type: 'dir', name: 'VM', mtime: T0 + 900, children: [
      { type: 'file', name: 'VM.vmx', mode: 0o755, mtime: T0 + 600, content: text(vmx) },
      { type: 'file', name: 'VM.vmsd', mtime: T0 + 120 },
      { type: 'file', name: 'VM.nvram', mtime: T0 + 610, content: pattern(11, 8684) },
      { type: 'file', name: 'vmware.log', mtime: T0 + 620, content: text(log) },
      { type: 'file', name: 'VM.vmdk', mode: 0o600, mtime: T0 + 130, content: text(descriptor('VM', 16384, '1a2b3c4d', false)) },
      // Thick (eager-zeroed) 8 MiB disk: data at the start and in block 5, the rest written zeros.
      {
        type: 'file', name: 'VM-flat.vmdk', mode: 0o600, mtime: T0 + 630, size: 8 * MiB, provisioning: 'thick',
        pieces: [{ offset: 0, content: pattern(12, 1536 * 1024) }, { offset: 5 * MiB + 4096, content: pattern(13, 65536) }],
      },
      { type: 'file', name: 'VM_1.vmdk', mode: 0o600, mtime: T0 + 140, content: text(descriptor('VM_1', 131072, '5e6f7a8b', true)) },
      // Thin 64 MiB disk: three written stretches, the rest never allocated.
      {
        type: 'file', name: 'VM_1-flat.vmdk', mode: 0o600, mtime: T0 + 640, size: 64 * MiB,
        pieces: [{ offset: 0, content: pattern(14, 70000) }, { offset: 31 * MiB + 12345, content: pattern(15, 2 * MiB) }, { offset: 64 * MiB - 512, content: pattern(16, 512) }],
      },
      { type: 'file', name: 'VM_2.vmdk', mode: 0o600, mtime: T0 + 150, content: text(rdmDescriptor) },
      { type: 'rdm', name: 'VM_2-rdm.vmdk', mtime: T0 + 150, size: 10 * GiB, lunId: 'naa.6000c29123456789abcdef0123456789' },
      { type: 'symlink', name: 'config-link', mtime: T0 + 660, target: 'VM.vmx' },
      { type: 'symlink', name: 'absolute-link', mtime: T0 + 661, target: `${datastorePath(spec())}/VM/VM.vmdk` },
    ],
  };
}

/** One file per addressing mode, holes, TBZ, odd names, deep paths, a directory big enough for FBs. */
function shapes(): TreeNode[] {
  let deep: TreeNode = { type: 'file', name: 'leaf.txt', mtime: T0 + 700, content: text('at the bottom\n') };
  for (const name of ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']) deep = { type: 'dir', name, mtime: T0 + 701, children: [deep] };
  return [
    {
      type: 'dir', name: 'shapes', mtime: T0 + 800, uid: 1000, gid: 100, children: [
        { type: 'file', name: 'empty', mtime: T0 + 200 },
        { type: 'file', name: 'resident-1000', mtime: T0 + 201, content: pattern(21, 1000) },
        { type: 'file', name: 'resident-1024', mtime: T0 + 202, content: pattern(22, 1024) },
        { type: 'file', name: 'subblock-1025', mtime: T0 + 203, content: pattern(23, 1025) },
        { type: 'file', name: 'subblock-8192', mtime: T0 + 204, uid: 1000, gid: 100, mode: 0o640, content: pattern(24, 8192) },
        { type: 'file', name: 'direct-8193', mtime: T0 + 205, content: pattern(25, 8193) },
        { type: 'file', name: 'direct-3MiB+17', mtime: T0 + 206, content: pattern(26, 3 * MiB + 17) },
        {
          type: 'file', name: 'holes-20MiB', mtime: T0 + 207, size: 20 * MiB,
          pieces: [{ offset: 0, content: pattern(27, 4096) }, { offset: 5 * MiB - 100, content: pattern(28, 200) }, { offset: 19 * MiB + MiB / 2, content: pattern(29, 1000) }],
        },
        {
          type: 'file', name: 'lazy-zeroed-6MiB', mtime: T0 + 208, size: 6 * MiB, provisioning: 'lazy',
          pieces: [{ offset: 0, content: pattern(30, 300000) }, { offset: 3 * MiB, content: pattern(31, MiB) }],
        },
        {
          type: 'file', name: 'indirect-thin-300MiB', mtime: T0 + 209, size: 300 * MiB,
          pieces: [{ offset: 0, content: pattern(32, 100000) }, { offset: 128 * MiB - 7, content: pattern(33, 14) }, { offset: 300 * MiB - 65536, content: pattern(34, 65536) }],
        },
        {
          type: 'file', name: 'double-thin-257GiB', mtime: T0 + 210, size: 257 * GiB,
          pieces: [{ offset: 0, content: pattern(35, 4096) }, { offset: 3 * GiB + 17, content: pattern(36, 4096) }, { offset: 257 * GiB - 4096, content: pattern(37, 4096) }],
        },
        { type: 'file', name: 'forced-indirect-small', mtime: T0 + 211, addressing: 'indirect', content: pattern(38, 2 * MiB + 3) },
        { type: 'file', name: 'pb2-indirect', mtime: T0 + 214, addressing: 'pb2', size: 5 * MiB, pieces: [{ offset: 0, content: pattern(39, 1000) }, { offset: 4 * MiB + 1, content: pattern(40, 70000) }] },
        {
          // 'sparse': the two zero MiB at the start are left as holes, only block 2 is allocated.
          type: 'file', name: 'sparse-zero-blocks', mtime: T0 + 215, size: 4 * MiB, provisioning: 'sparse',
          pieces: [{ offset: 0, content: { kind: 'zeros', length: 2 * MiB } }, { offset: 2 * MiB, content: pattern(44, MiB) }],
        },
        { type: 'symlink', name: 'link-to-direct', mtime: T0 + 212, target: 'direct-8193' },
        { type: 'symlink', name: 'dangling', mtime: T0 + 213, target: '../nowhere/at-all' },
      ],
    },
    {
      type: 'dir', name: 'names', mtime: T0 + 810, children: [
        { type: 'file', name: 'x'.repeat(127), mtime: T0 + 300, content: text('127-byte name\n') },
        { type: 'file', name: 'Ünïcødé-ファイル-файл.txt', mtime: T0 + 301, content: text('non-ASCII name\n') },
        { type: 'file', name: 'with space & (parens) [brackets] \'quote\'', mtime: T0 + 302, content: text('punctuation\n') },
        { type: 'file', name: '😀 emoji', mtime: T0 + 303, content: text('4-byte UTF-8\n') },
        { type: 'file', name: 'UPPER', mtime: T0 + 304, content: text('upper\n') },
        { type: 'file', name: 'upper', mtime: T0 + 305, content: text('lower\n') },
        { type: 'file', name: '-dash', mtime: T0 + 306, content: text('dash\n') },
      ],
    },
    { type: 'dir', name: 'deep', mtime: T0 + 820, children: [deep] },
    {
      // 70 entries + . and .. = 10080 bytes: more than one 8 KiB sub-block, so the directory is FB-mapped.
      type: 'dir', name: 'wide', mtime: T0 + 830,
      children: Array.from({ length: 70 }, (_, i): TreeNode => ({ type: 'file', name: `f${String(i).padStart(3, '0')}`, mtime: T0 + 400 + i, content: text(`file ${i}\n`) })),
    },
  ];
}

const vmSpec = (partitionTable: VolumeSpec['partitionTable']): VolumeSpec => {
  const spec: VolumeSpec = {
    label: 'vmfskit-vm', createTime: T0, uuidSeed: 0x5101, partitionTable, rootMtime: T0 + 999,
    root: [],
  };
  spec.root = [vmFolder(() => spec), ...shapes()];
  return spec;
};

/** A datastore spanned over two LUNs: an eager-zeroed disk fills LUN 0 so later files live on LUN 1, one crosses. */
function spannedSpec(): VolumeSpec {
  return {
    label: 'vmfskit-span', createTime: T0 + 86400, uuidSeed: 0x5102, devices: [{ pes: 1 }, { pes: 1 }], rootMtime: T0 + 86400 + 99,
    root: [
      { type: 'dir', name: 'big', mtime: T0 + 86400 + 50, children: [
        { type: 'file', name: 'eager-zeroed-230MiB-flat.vmdk', mode: 0o600, size: 230 * MiB, provisioning: 'thick', mtime: T0 + 86400 + 10, pieces: [{ offset: 0, content: pattern(41, 4096) }] },
        { type: 'file', name: 'crosses-luns.bin', size: 24 * MiB, mtime: T0 + 86400 + 11, content: pattern(42, 24 * MiB) },
        { type: 'file', name: 'on-lun1.bin', mtime: T0 + 86400 + 12, content: pattern(43, 2 * MiB + 100) },
      ] },
    ],
  };
}

/** 10 000 small files in one directory (benchmarks: ls, FUSE readdir, inventory). */
function manyFilesSpec(): VolumeSpec {
  return {
    label: 'vmfskit-many', createTime: T0 + 2 * 86400, uuidSeed: 0x5103, rootMtime: T0 + 2 * 86400,
    root: [
      {
        type: 'dir', name: 'many', mtime: T0 + 2 * 86400 + 1,
        children: Array.from({ length: 10_000 }, (_, i): TreeNode => ({
          type: 'file', name: `file-${String(i).padStart(5, '0')}.txt`, mtime: T0 + 2 * 86400 + (i % 3600), content: pattern(100 + i, 64 + (i % 200)),
        })),
      },
    ],
  };
}

export interface CorpusVolume {
  /** Image name under corpus/out/ (spanned volumes add "-ext1" before the extension). */
  name: string;
  spec: VolumeSpec;
  /** Name of another corpus volume with the same partition bytes (only a partition table differs). */
  samePartitionAs?: string;
}

export function corpusVolumes(): CorpusVolume[] {
  return [
    { name: 'vmfs5-vm.img', spec: vmSpec('none') },
    { name: 'vmfs5-vm-gpt.img', spec: vmSpec('gpt'), samePartitionAs: 'vmfs5-vm.img' },
    { name: 'vmfs5-vm-mbr.img', spec: vmSpec('mbr'), samePartitionAs: 'vmfs5-vm.img' },
    { name: 'vmfs5-spanned.img', spec: spannedSpec() },
    { name: 'vmfs5-many.img', spec: manyFilesSpec() },
    // Issue 14: a datastore with VMs, host logs and a deleted VM's remains in free blocks (datastore.ts).
    { name: 'vmfs5-datastore.img', spec: datastoreSpec() },
  ];
}
