/**
 * The VMFS-6 test images of the corpus (corpus/build-vmfs6.sh builds them
 * into corpus/out/, records them in the "vmfs6" section of corpus/MANIFEST;
 * test/vmfs6-builder.test.ts rebuilds them). Changing a spec changes its
 * sha256: rerun the build script so the oracles re-judge and re-record it.
 */
import type { Content } from '../vmfs5/content.js';
import { chainNodes } from '../delta-vmfs.js';
import { datastorePath } from './index.js';
import type { PartitionTable6 } from './index.js';
import type { TreeNode6, VolumeSpec6 } from './spec.js';

const MiB = 1 << 20;
const GiB = 1 << 30;
const TiB = 2 ** 40;
/** 2024-06-01 00:00:00 UTC: the format time of the VMFS-6 test volumes. */
export const T6 = 1_717_200_000;

const text = (t: string): Content => ({ kind: 'text', text: t });
const pattern = (seed: number, length: number): Content => ({ kind: 'pattern', seed, length });

function allSpec(): VolumeSpec6 {
  const spec: VolumeSpec6 = { label: 'vmfs6-all', createTime: T6, uuidSeed: 0x6101, devices: [{ pes: 20 }], rootMtime: T6 + 999, root: [] };
  let deep: TreeNode6 = { type: 'file', name: 'leaf.txt', mtime: T6 + 700, content: text('at the bottom of a 12-level tree\n') };
  for (const name of ['l', 'k', 'j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']) deep = { type: 'dir', name, mtime: T6 + 701, children: [deep] };
  spec.root = [
    {
      type: 'dir', name: 'shapes', mtime: T6 + 800, uid: 1000, gid: 100, children: [
        { type: 'file', name: 'empty', mtime: T6 + 200 },
        { type: 'file', name: 'resident-3584', mtime: T6 + 201, content: pattern(1, 3584) },
        { type: 'file', name: 'subblock-3585', mtime: T6 + 202, content: pattern(2, 3585) },
        { type: 'file', name: 'subblock-65536', mtime: T6 + 203, mode: 0o640, uid: 1000, gid: 100, content: pattern(3, 65536) },
        { type: 'file', name: 'sfb-65537', mtime: T6 + 204, content: pattern(4, 65537) },
        { type: 'file', name: 'sfb-3MiB+17', mtime: T6 + 205, content: pattern(5, 3 * MiB + 17) },
        {
          // Thin: data at 0, after a 16 MiB hole, and in the last MiB (vmfs6-tools stops at the first hole).
          type: 'file', name: 'thin-holes-40MiB', mtime: T6 + 206, size: 40 * MiB,
          pieces: [{ offset: 0, content: pattern(6, 5000) }, { offset: 17 * MiB + 333, content: pattern(7, 2 * MiB) }, { offset: 40 * MiB - 700, content: pattern(8, 700) }],
        },
        {
          // Lazy-zeroed thick: blocks without data are TBZ SFBs holding stale bytes that must read as zeros.
          type: 'file', name: 'lazy-sfb-8MiB', mtime: T6 + 207, size: 8 * MiB, provisioning: 'lazy',
          pieces: [{ offset: 0, content: pattern(9, 300000) }, { offset: 5 * MiB, content: pattern(10, MiB) }],
        },
        {
          type: 'file', name: 'indirect-thin-400MiB', mtime: T6 + 208, size: 400 * MiB,
          pieces: [{ offset: 0, content: pattern(11, 100000) }, { offset: 333 * MiB - 7, content: pattern(12, 14) }, { offset: 400 * MiB - 65536, content: pattern(13, 65536) }],
        },
        {
          type: 'file', name: 'indirect-pb2-350MiB', mtime: T6 + 209, size: 350 * MiB, pointerBlocks: 'pb2',
          pieces: [{ offset: MiB, content: pattern(14, 4096) }, { offset: 349 * MiB, content: pattern(15, MiB) }],
        },
        {
          type: 'file', name: 'double-thin-3TiB', mtime: T6 + 210, size: 3 * TiB,
          pieces: [{ offset: 0, content: pattern(16, 4096) }, { offset: TiB + 17, content: pattern(17, 4096) }, { offset: 3 * TiB - 4096, content: pattern(18, 4096) }],
        },
        { type: 'file', name: 'forced-indirect-small', mtime: T6 + 211, addressing: 'indirect', content: pattern(19, 2 * MiB + 3) },
      ],
    },
    {
      type: 'dir', name: 'big', mtime: T6 + 810, children: [
        {
          // Eager-zeroed thick on LFBs: 3 × 512 MiB, FD block size 512 MiB.
          type: 'file', name: 'thick-lfb-1536MiB-flat.vmdk', mode: 0o600, mtime: T6 + 300, size: 3 * 512 * MiB, blocks: 'lfb', provisioning: 'thick',
          pieces: [{ offset: 0, content: pattern(20, MiB) }, { offset: 700 * MiB + 5, content: pattern(21, 3 * MiB) }, { offset: 1536 * MiB - 4096, content: pattern(22, 4096) }],
        },
        {
          // One LFB and a tail of SFBs (entries in 1 MiB units, the LFB fills 512 of them: ZLA 3).
          type: 'file', name: 'mixed-lfb-sfb-flat.vmdk', mode: 0o600, mtime: T6 + 301, size: 515 * MiB + 100, blocks: 'mixed', provisioning: 'thick',
          pieces: [{ offset: 0, content: pattern(23, 4096) }, { offset: 511 * MiB, content: pattern(24, 2 * MiB) }, { offset: 515 * MiB, content: pattern(25, 100) }],
        },
        {
          // Lazy-zeroed on LFBs: LFB 0 holds data, LFB 1 is TBZ (bits 7–14 set) over stale bytes.
          type: 'file', name: 'lazy-lfb-1GiB-flat.vmdk', mode: 0o600, mtime: T6 + 302, size: GiB, blocks: 'lfb', provisioning: 'lazy',
          pieces: [{ offset: 4096, content: pattern(26, MiB) }],
        },
      ],
    },
    {
      type: 'dir', name: 'names', mtime: T6 + 820, children: [
        { type: 'file', name: 'n'.repeat(255), mtime: T6 + 400, content: text('255-byte name\n') },
        { type: 'file', name: `${'é'.repeat(127)}x`, mtime: T6 + 401, content: text('255 bytes of 2-byte UTF-8 + 1\n') },
        { type: 'file', name: 'Ünïcødé-ファイル-файл.txt', mtime: T6 + 402, content: text('non-ASCII name\n') },
        { type: 'file', name: '😀 emoji', mtime: T6 + 403, content: text('4-byte UTF-8\n') },
        { type: 'file', name: 'with space & (parens) [brackets] \'quote\'', mtime: T6 + 404, content: text('punctuation\n') },
        { type: 'file', name: 'UPPER', mtime: T6 + 405, content: text('upper\n') },
        { type: 'file', name: 'upper', mtime: T6 + 406, content: text('lower\n') },
      ],
    },
    { type: 'dir', name: 'deep', mtime: T6 + 830, children: [deep] },
    {
      type: 'dir', name: 'links', mtime: T6 + 840, children: [
        { type: 'symlink', name: 'relative', mtime: T6 + 500, target: '../shapes/sfb-65537' },
        { type: 'symlink', name: 'absolute-label', mtime: T6 + 501, target: '/vmfs/volumes/vmfs6-all/shapes/subblock-3585' },
        { type: 'symlink', name: 'absolute-uuid', mtime: T6 + 502, target: `${datastorePath(spec)}/names/UPPER` },
        { type: 'symlink', name: 'dangling', mtime: T6 + 503, target: '../nowhere/at-all' },
      ],
    },
    {
      type: 'dir', name: 'rdm', mtime: T6 + 850, children: [
        {
          type: 'file', name: 'disk.vmdk', mode: 0o600, mtime: T6 + 600, content: text([
            '# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="vmfsPassthroughRawDeviceMap"', '',
            '# Extent description', 'RW 41943040 VMFSRDM "disk-rdmp.vmdk"', '', '# The Disk Data Base', '#DDB', '', 'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "19"', '',
          ].join('\n')),
        },
        { type: 'rdm', name: 'disk-rdmp.vmdk', mtime: T6 + 600, size: 20 * GiB, lunId: 'naa.6000c29a1b2c3d4e5f60718293a4b5c6' },
      ],
    },
  ];
  return spec;
}

/** 20 000 files in one directory: ~1430 entry blocks, link groups for the hash collisions. */
function manySpec(): VolumeSpec6 {
  return {
    label: 'vmfs6-many', createTime: T6 + 86400, uuidSeed: 0x6102, devices: [{ pes: 4 }], rootMtime: T6 + 86400,
    root: [{
      type: 'dir', name: 'many', mtime: T6 + 86400 + 1,
      children: Array.from({ length: 20_000 }, (_, i): TreeNode6 => ({
        type: 'file', name: `file-${String(i).padStart(5, '0')}.txt`, mtime: T6 + 86400 + (i % 3600), content: pattern(1000 + i, 16 + (i % 100)),
      })),
    }],
  };
}

function smallTree(tag: string, t: number): TreeNode6[] {
  return [
    { type: 'file', name: 'readme.txt', mtime: t + 1, content: text(`${tag}: a small VMFS-6 volume\n`) },
    { type: 'dir', name: 'data', mtime: t + 2, children: [
      { type: 'file', name: 'sub.bin', mtime: t + 3, content: pattern(t % 997, 40000) },
      { type: 'file', name: 'blocks.bin', mtime: t + 4, content: pattern((t % 997) + 1, 5 * MiB + 123) },
      { type: 'file', name: 'thin.bin', mtime: t + 5, size: 64 * MiB, pieces: [{ offset: 33 * MiB, content: pattern((t % 997) + 2, 4096) }] },
    ] },
  ];
}

/** Spanned over two LUNs: the system files already fill LUN 0, so user data and the journal's end are on LUN 1. */
function spanSpec(): VolumeSpec6 {
  const t = T6 + 3 * 86400;
  return {
    label: 'vmfs6-span', createTime: t, uuidSeed: 0x6104, devices: [{ pes: 1 }, { pes: 1 }], rootMtime: t + 99, sbcBlocks: 20,
    root: [...smallTree('span', t), { type: 'file', name: 'on-lun1-24MiB.bin', mtime: t + 9, content: pattern(77, 24 * MiB) }],
  };
}

function fourKnSpec(): VolumeSpec6 {
  const t = T6 + 4 * 86400;
  return { label: 'vmfs6-4kn', createTime: t, uuidSeed: 0x6105, devices: [{ pes: 2 }], rootMtime: t + 99, root: smallTree('4kn', t) };
}

/**
 * A VM folder as ESXi 7/8 leaves it on VMFS-6: the SESparse chain of the
 * deltas corpus (thin flat base, two -sesparse.vmdk snapshots, .vmx, .vmsd,
 * .vmsn) with absolute `/vmfs/volumes/<uuid>/SE/…` parent hints.
 */
export function vmSpec(chainsDir: string): VolumeSpec6 {
  const t = T6 + 2 * 86400;
  const spec: VolumeSpec6 = { label: 'vmfs6-vm', createTime: t, uuidSeed: 0x6103, devices: [{ pes: 2 }], rootMtime: t + 99, root: [] };
  // The vmfs5 node shapes are the vmfs6 ones (a thin base: provisioning 'sparse').
  spec.root = chainNodes(chainsDir, datastorePath(spec), ['SE']) as unknown as TreeNode6[];
  return spec;
}

export interface CorpusVolume6 {
  name: string;
  /** The spec; for the VM volume a function of the folder the SESparse chain was built in. */
  spec: VolumeSpec6 | ((chainsDir: string) => VolumeSpec6);
  table: PartitionTable6;
  /** Directories whose files are summarised by a digest (plus a few in full). */
  wide?: string[];
}

export function corpusVolumes6(): CorpusVolume6[] {
  return [
    { name: 'vmfs6-all.img', spec: allSpec(), table: 'none' },
    { name: 'vmfs6-many.img', spec: manySpec(), table: 'none', wide: ['/many'] },
    { name: 'vmfs6-vm.img', spec: vmSpec, table: 'gpt' },
    { name: 'vmfs6-span.img', spec: spanSpec(), table: 'gpt' },
    { name: 'vmfs6-4kn.img', spec: fourKnSpec(), table: 'gpt-4k' },
  ];
}
