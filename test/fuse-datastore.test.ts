/**
 * Mount of a datastore holding a VM: the snapshot chain of the deltas corpus
 * (COWD deltas over a flat base, with .vmx/.vmsd) written into a VMFS-5
 * volume behind a GPT, plus an RDM mapping file. The raw views under
 * `.disks/` must hash to qemu-img's sha256 of each state (corpus/MANIFEST,
 * "deltas"); every read happens in a separate process.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { runTool as run } from './helpers/proc.js';
import { mountEntry, unmount } from './helpers/fuse.js';
import { requireTools, FUSE } from './helpers/tools.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildVmfs5, devicePath, type VolumeSpec } from '../corpus/builders/vmfs5/index.js';

const mounted = (mnt: string) => mountEntry(mnt) !== undefined;

describe.runIf(requireTools(...FUSE))('mount of a VMFS-5 datastore with a VM (GPT LUN)', () => {
  const section = readSection<DeltasSection>('deltas')!;
  const root = scratch('fuse-datastore');
  const mnt = path.join(root, 'mnt');
  const lun = path.join(root, 'lun.img');
  const RDM_SIZE = 5 << 30;

  beforeAll(async () => {
    buildDeltaCorpus(path.join(root, 'chains'));
    const vmDir = path.join(root, 'chains', 'VM');
    const spec: VolumeSpec = {
      label: 'DS-FUSE',
      createTime: 1_700_000_000,
      uuidSeed: 77,
      partitionTable: 'gpt',
      root: [
        {
          type: 'dir',
          name: 'VM',
          children: [
            ...readdirSync(vmDir)
              .sort()
              .map((name) => ({ type: 'file' as const, name, content: { kind: 'file' as const, path: path.join(vmDir, name) } })),
            { type: 'rdm', name: 'VM_1-rdmp.vmdk', size: RDM_SIZE, lunId: 'naa.600000000000000000000000000000ff' },
          ],
        },
      ],
    };
    await buildVmfs5(spec, lun);
    mkdirSync(mnt, { recursive: true });
    const r = await runCli(['mount', '--log', `${mnt}.log`, lun, mnt]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await unmount(mnt);
  });

  it('.disks/<VM display name> holds one raw view per disk state, named from the .vmsd, each with qemu-img sha256', async () => {
    const dir = path.join(mnt, '.disks', 'VM test machine');
    const ls = await run('ls', [path.join(mnt, '.disks'), dir]);
    expect(ls.stdout).toBe(`${path.join(mnt, '.disks')}:\nVM test machine\n\n${dir}:\nVM.raw\nVM@After-update.raw\nVM@Before-update.raw\n`);
    const sums = await run('sha256sum', ['VM.raw', 'VM@After-update.raw', 'VM@Before-update.raw'].map((n) => path.join(dir, n)));
    expect(sums.code).toBe(0);
    const state = (id: string) => section.states.find((s) => s.id === id)!.sha256;
    // VM.vmsd: "Before update" = VM.vmdk (VM@0), "After update" = VM-000001.vmdk (VM@1); current = VM-000002.vmdk (VM@2).
    expect(sums.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual([state('VM@2'), state('VM@1'), state('VM@0')]);
  });

  it('the chain files themselves read back byte-exact from the VMFS tree', async () => {
    const files = section.files.filter((f) => f.path.startsWith('VM/'));
    const sums = await run('sha256sum', files.map((f) => path.join(mnt, f.path)));
    expect(sums.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(files.map((f) => f.sha256));
  });

  it('an RDM mapping file shows its size and no data: reads fail with EIO', async () => {
    const f = path.join(mnt, 'VM', 'VM_1-rdmp.vmdk');
    expect((await run('stat', ['-c', '%s %b', f])).stdout.trim()).toBe(`${RDM_SIZE} 0`);
    const r = await run('head', ['-c', '16', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Input\/output error/);
  });

  it('a VMDK inside the volume (lun.img::/VM/VM-000001.vmdk) mounts as its own chain views', async () => {
    const mnt2 = path.join(root, 'mnt2');
    mkdirSync(mnt2, { recursive: true });
    const r = await runCli(['mount', '--log', `${mnt2}.log`, `${lun}::/VM/VM-000001.vmdk`, mnt2]);
    try {
      expect(r.code).toBe(0);
      const ls = await run('ls', [mnt2]);
      expect(ls.stdout.trim().split('\n')).toEqual(['VM@After-update.raw', 'VM@Before-update.raw']);
      const sums = await run('sha256sum', [path.join(mnt2, 'VM@After-update.raw'), path.join(mnt2, 'VM@Before-update.raw')]);
      const state = (id: string) => section.states.find((s) => s.id === id)!.sha256;
      expect(sums.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual([state('VM@1'), state('VM@0')]);
    } finally {
      await runCli(['umount', mnt2]);
    }
    expect(mounted(mnt2)).toBe(false);
  });
});

describe.runIf(requireTools(...FUSE))('mount of a datastore spanned over two LUNs (--extent)', () => {
  const root = scratch('fuse-spanned');
  const mnt = path.join(root, 'mnt');
  const lun = path.join(root, 'ds.img');
  const SIZE = 300 << 20;
  const TAIL = Buffer.from('the last MiB of this file lives on the second LUN\n');

  beforeAll(async () => {
    const spec: VolumeSpec = {
      label: 'SPAN',
      createTime: 1_700_000_100,
      uuidSeed: 78,
      devices: [{ pes: 1 }, { pes: 1 }],
      root: [
        // Thick: every block allocated, so a 300 MiB file cannot fit in the first 256 MiB extent.
        { type: 'file', name: 'big.bin', provisioning: 'thick', size: SIZE, pieces: [{ offset: SIZE - (1 << 20), content: { kind: 'text', text: TAIL.toString() } }] },
        // A descriptor whose extent is missing: not shown under .disks, and said so in the info file.
        { type: 'dir', name: 'Broken', children: [{ type: 'file', name: 'Broken.vmdk', content: { kind: 'text', text: '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="vmfs"\nRW 2048 VMFS "Broken-flat.vmdk"\n' } }] },
      ],
    };
    await buildVmfs5(spec, lun);
    expect(existsSync(devicePath(lun, 1))).toBe(true);
    mkdirSync(mnt, { recursive: true });
  });
  afterAll(async () => {
    await unmount(mnt);
  });

  it('reads a file across both LUNs byte-exact, and lists the broken disk in the info file', async () => {
    const r = await runCli(['mount', '--log', `${mnt}.log`, '--extent', devicePath(lun, 1), lun, mnt]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = createHash('sha256');
    want.update(Buffer.alloc(SIZE - (1 << 20)));
    want.update(TAIL);
    want.update(Buffer.alloc((1 << 20) - TAIL.length));
    const sum = await run('sha256sum', [path.join(mnt, 'big.bin')]);
    expect(sum.stdout.split(/\s+/)[0]).toBe(want.digest('hex'));
    const info = (await run('cat', [path.join(mnt, '.vmfskit-info.txt')])).stdout;
    expect(info).toMatch(/notes:\n(.|\n)*\/Broken\/Broken\.vmdk: not shown under \.disks: /);
    expect((await run('ls', ['-A', path.join(mnt, '.disks')])).stdout).toBe('');
    expect((await runCli(['umount', mnt])).code).toBe(0);
  });

  it('without --extent the second LUN is missing: one-line error, nothing mounted', async () => {
    const r = await runCli(['mount', '--log', `${mnt}.log`, lun, mnt]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vmfskit: /);
    expect(mounted(mnt)).toBe(false);
  });
});
