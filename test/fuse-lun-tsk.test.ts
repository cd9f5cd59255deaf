/**
 * Issue 7's "done when", end to end: a LUN image made the usual way (GPT,
 * VMFS-5 at sector 2048) holding a VM whose thin disk carries a partitioned
 * file system; `vmfskit mount lun.img MNT` and The Sleuth Kit reads
 * MNT/.disks/VM/VM.raw directly. Expected answers come from qemu-img, mmls
 * and fls on the same disk, recorded in corpus/MANIFEST ("tsk").
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { statSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { CORPUS, scratch } from './helpers/paths.js';
import { sha256File } from './helpers/hash.js';
import { requireTools, FUSE, TSK } from './helpers/tools.js';
import { unmount } from './helpers/fuse.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildVmfs5, type VolumeSpec } from '../corpus/builders/vmfs5/index.js';
// @ts-expect-error a plain ES module shared with the corpus scripts (record, live re-check, tests): no types
import { mmls, fls } from '../corpus/tsk/tsk-tools.mjs';

interface TskSection {
  cases: Record<string, { entry: string; sha256: string; virtualSize: number }>;
  mmls: { partitions: unknown[] };
  fls: Record<string, string[]>;
}

describe.runIf(requireTools(...FUSE, ...TSK))('mount lun.img, then TSK on .disks/VM/VM.raw (issue 7)', () => {
  const tsk = readSection<TskSection>('tsk')!;
  const root = scratch('fuse-lun-tsk');
  const lun = path.join(root, 'lun.img');
  const mnt = path.join(root, 'mnt');
  let lunBefore: { sha: string; mtimeMs: number; atimeMs: number };

  beforeAll(async () => {
    expect(spawnSync('tar', ['xzf', path.join(CORPUS, 'tsk', 'tsk.tar.gz'), '-C', root]).status).toBe(0);
    const raw = path.join(root, 'disk.raw');
    const conv = await runCli(['convert', '-q', path.join(root, tsk.cases.stream!.entry), raw]);
    expect(conv.code).toBe(0);
    expect(await sha256File(raw)).toBe(tsk.cases.stream!.sha256);
    const sectors = tsk.cases.stream!.virtualSize / 512;
    const descriptor = [
      '# Disk DescriptorFile',
      'version=1',
      'CID=fffffffe',
      'parentCID=ffffffff',
      'createType="vmfs"',
      '',
      `RW ${sectors} VMFS "VM-flat.vmdk"`,
      '',
      'ddb.thinProvisioned = "1"',
      '',
    ].join('\n');
    const spec: VolumeSpec = {
      label: 'evidence',
      createTime: 1700000000,
      uuidSeed: 9,
      partitionTable: 'gpt',
      root: [
        {
          type: 'dir',
          name: 'VM',
          children: [
            { type: 'file', name: 'VM.vmx', content: { kind: 'text', text: 'displayName = "VM"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "VM.vmdk"\n' } },
            { type: 'file', name: 'VM.vmdk', content: { kind: 'text', text: descriptor } },
            { type: 'file', name: 'VM-flat.vmdk', content: { kind: 'file', path: raw }, provisioning: 'sparse' },
          ],
        },
      ],
    };
    await buildVmfs5(spec, lun);
    // Hash first, then set old times: relatime updates an atime that is not newer than mtime on any
    // read, so a single read by the mount would show.
    const sha = await sha256File(lun);
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(lun, old, old);
    const st = statSync(lun);
    lunBefore = { sha, mtimeMs: st.mtimeMs, atimeMs: st.atimeMs };
    spawnSync('mkdir', ['-p', mnt]);
    const m = await runCli(['mount', lun, mnt, '--log', path.join(root, 'mount.log')]);
    expect(m.code, m.stderr).toBe(0);
  });

  afterAll(async () => {
    await runCli(['umount', mnt]);
    await unmount(mnt);
  });

  it('the raw view of the VM disk has the bytes qemu-img gives for that disk', async () => {
    expect(await sha256File(path.join(mnt, '.disks', 'VM', 'VM.raw'))).toBe(tsk.cases.stream!.sha256);
  });

  it('mmls and fls read the partition table and the files straight from the view', () => {
    const view = path.join(mnt, '.disks', 'VM', 'VM.raw');
    expect(mmls(view).partitions).toEqual(tsk.mmls.partitions);
    for (const [sector, names] of Object.entries(tsk.fls)) expect(fls(view, Number(sector))).toEqual(names);
  });

  it('the LUN image is unchanged after mounting and reading (bytes, mtime, atime)', async () => {
    const r = await runCli(['umount', mnt]);
    expect(r.code, r.stderr).toBe(0);
    const st = statSync(lun);
    expect(st.mtimeMs).toBe(lunBefore.mtimeMs);
    expect(st.atimeMs).toBe(lunBefore.atimeMs);
    expect(await sha256File(lun)).toBe(lunBefore.sha);
  });
});
