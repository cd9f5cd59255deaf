/**
 * The snapshot inventory: .vmx/.vmsd parsing, the tree as `snapshots`
 * prints it, and every disk state it names read back with `cat` against the
 * qemu-img sha256 recorded in corpus/MANIFEST ("deltas").
 */
import { describe, expect, it, beforeAll } from 'vitest';
import path from 'node:path';
import { mkdirSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { buildDeltaCorpus, descriptorText, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume } from '../corpus/builders/delta-vmfs.js';
import { readSection } from '../corpus/builders/manifest.js';
import { parseConfig, vmsdInfo, vmsdCreateTime, vmxInfo } from '../src/inventory/vmx.js';
import { findDiskStates, inventory, HostFolderAccess } from '../src/inventory/index.js';
import { renderInventory } from '../src/inventory/render.js';
import { runCli, isOneLineError } from './helpers/cli.js';
import { createHash } from 'node:crypto';
import { openAddress } from '../src/open.js';
import { readSequential } from '../src/device/sequential.js';
import { scratch } from './helpers/paths.js';
import { extractCase, caseEntry, type VmdkCase } from './helpers/corpus.js';

const section = readSection<DeltasSection>('deltas')!;
const work = scratch('snapshots');
const chains = path.join(work, 'chains');
const image = path.join(work, 'deltas-ds.img');
/** sha256 of what an address reads as, in-process (the CLI path is covered by deltas-cli.test.ts). */
async function shaOfAddress(addr: string): Promise<string> {
  const opened = await openAddress(addr);
  try {
    const h = createHash('sha256');
    const zero = Buffer.alloc(1 << 20);
    for await (const c of readSequential(opened.device)) {
      if (c.data) h.update(c.data);
      else for (let n = c.length; n > 0; n -= zero.length) h.update(zero.subarray(0, Math.min(n, zero.length)));
    }
    return h.digest('hex');
  } finally {
    await opened.close();
  }
}
const shaOf = (dir: string, descriptor: string) => section.states.find((s) => s.dir === dir && s.descriptor === descriptor)!.sha256;

beforeAll(async () => {
  expect(buildDeltaCorpus(chains).files).toEqual(section.files);
  await buildDeltaVolume(chains, image);
});

describe('.vmx / .vmsd parsing', () => {
  it('decodes createTimeHigh/Low as microseconds since 1970 (values of a published .vmsd)', () => {
    // snapshot0 of the public sample: high 336295, low 1080846290 → (336295·2^32 + 1080846290) µs (computed with Python's datetime).
    expect(vmsdCreateTime('336295', '1080846290')).toBe('2015-10-09T07:51:47.654Z');
    // VMware writes the low half signed: -1 is 0xFFFFFFFF.
    expect(vmsdCreateTime('0', '-1')).toBe(new Date(Math.floor(0xffffffff / 1000)).toISOString());
    expect(vmsdCreateTime(undefined, '1')).toBeUndefined();
  });

  it('reads the snapshot list, parents, disks and the current snapshot', () => {
    const cfg = parseConfig(
      [
        '.encoding = "UTF-8"',
        'snapshot.lastUID = "3"',
        'snapshot.current = "3"',
        'snapshot0.uid = "1"',
        'snapshot0.filename = "W-Snapshot1.vmsn"',
        'snapshot0.displayName = "a |22quoted|22 name"',
        'snapshot0.numDisks = "1"',
        'snapshot0.disk0.fileName = "W.vmdk"',
        'snapshot0.disk0.node = "scsi0:0"',
        'snapshot1.uid = "3"',
        'snapshot1.parent = "1"',
        'snapshot1.displayName = "second"',
        'snapshot1.numDisks = "2"',
        'snapshot1.disk0.fileName = "W-000001.vmdk"',
        'snapshot1.disk0.node = "scsi0:0"',
        'snapshot1.disk1.fileName = "W_1.vmdk"',
        'snapshot1.disk1.node = "scsi0:1"',
        'snapshot.numSnapshots = "2"',
      ].join('\r\n'),
    );
    const v = vmsdInfo(cfg, 'W.vmsd');
    expect(v.current).toBe(3);
    expect(v.snapshots.map((s) => [s.uid, s.parent, s.name, s.stateFile, s.disks.map((d) => `${d.node}=${d.fileName}`).join(',')])).toEqual([
      [1, undefined, 'a "quoted" name', 'W-Snapshot1.vmsn', 'scsi0:0=W.vmdk'],
      [3, 1, 'second', undefined, 'scsi0:0=W-000001.vmdk,scsi0:1=W_1.vmdk'],
    ]);
    expect(v.warnings).toEqual([]);
    const flagged = vmsdInfo(parseConfig('snapshot.needConsolidate = "TRUE"\nsnapshot.numSnapshots = "1"\n'), 'X.vmsd');
    expect(flagged.warnings).toEqual([
      'snapshot.needConsolidate is TRUE: the disks need consolidation (deltas may exist that the snapshot tree does not list)',
      'snapshot.numSnapshots says 1, 0 snapshot entries found',
    ]);
  });

  it('lists present hard disks of a .vmx, not CD-ROMs or absent devices', () => {
    const info = vmxInfo(
      parseConfig(
        [
          'displayName = "Win 10"',
          'scsi0:1.present = "TRUE"',
          'scsi0:1.fileName = "W_1-000002.vmdk"',
          'scsi0:0.present = "TRUE"',
          'scsi0:0.fileName = "W-000002.vmdk"',
          'sata0:0.present = "TRUE"',
          'sata0:0.deviceType = "cdrom-image"',
          'sata0:0.fileName = "/vmfs/volumes/ds/iso/x.vmdk"',
          'scsi1:0.present = "FALSE"',
          'scsi1:0.fileName = "old.vmdk"',
          'nvme0:0.fileName = "/vmfs/volumes/5f1e-aa/W/W_2.vmdk"',
        ].join('\n'),
      ),
    );
    expect(info).toEqual({
      displayName: 'Win 10',
      disks: [
        { node: 'nvme0:0', fileName: '/vmfs/volumes/5f1e-aa/W/W_2.vmdk' },
        { node: 'scsi0:0', fileName: 'W-000002.vmdk' },
        { node: 'scsi0:1', fileName: 'W_1-000002.vmdk' },
      ],
    });
  });
});

describe('a branched snapshot tree (revert to the first snapshot, then snapshot again)', () => {
  it('keeps both branches, follows the current one, and lists the other branch as a state', async () => {
    const dir = path.join(work, 'branched', 'W');
    mkdirSync(dir, { recursive: true });
    const sectors = 2048;
    const desc = (cid: number, parent: string | null, parentCid = 0xffffffff) =>
      descriptorText({ cid, parentCid, createType: parent ? 'vmfsSparse' : 'vmfs', parentHint: parent ?? undefined, extent: `RW ${sectors} ${parent ? 'VMFSSPARSE' : 'VMFS'} "x.bin"` });
    writeFileSync(path.join(dir, 'W.vmdk'), desc(1, null));
    writeFileSync(path.join(dir, 'W-000001.vmdk'), desc(2, 'W.vmdk', 1));
    writeFileSync(path.join(dir, 'W-000002.vmdk'), desc(3, 'W.vmdk', 1));
    writeFileSync(path.join(dir, 'W-000003.vmdk'), desc(4, 'W-000002.vmdk', 3));
    writeFileSync(path.join(dir, 'W.vmx'), 'displayName = "W"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "W-000003.vmdk"\n');
    const snap = (i: number, uid: number, parent: number | null, name: string, disk: string) =>
      [`snapshot${i}.uid = "${uid}"`, ...(parent ? [`snapshot${i}.parent = "${parent}"`] : []), `snapshot${i}.displayName = "${name}"`, `snapshot${i}.numDisks = "1"`, `snapshot${i}.disk0.fileName = "${disk}"`, `snapshot${i}.disk0.node = "scsi0:0"`];
    writeFileSync(path.join(dir, 'W.vmsd'), ['snapshot.current = "3"', ...snap(0, 1, null, 'Base', 'W.vmdk'), ...snap(1, 2, 1, 'A', 'W-000001.vmdk'), ...snap(2, 3, 1, 'B', 'W-000002.vmdk')].join('\n') + '\n');
    const fa = new HostFolderAccess(path.join(work, 'branched'));
    const vms = await inventory(fa);
    expect(vms[0]!.disks[0]!.states.map((s) => [s.state, s.descriptor, s.label])).toEqual([
      ['current', '/W/W-000003.vmdk', 'W'],
      ['B', '/W/W-000002.vmdk', 'W@B'],
      ['Base', '/W/W.vmdk', 'W@Base'],
      ['A', '/W/W-000001.vmdk', 'W@A'],
    ]);
    const text = renderInventory(vms, fa).split('\n');
    expect(text.slice(1, 10)).toEqual([
      'Snapshots (W.vmsd):',
      '  `-- Base  [uid 1]',
      '          disk scsi0:0: W.vmdk',
      '      |-- A  [uid 2]',
      '      |       disk scsi0:0: W-000001.vmdk',
      '      `-- B  [uid 3]',
      '              disk scsi0:0: W-000002.vmdk',
      '          `-- You are here (current state)',
      'Disk scsi0:0 "W"  1048576 bytes  (vmfsSparse)',
    ]);
  });
});

describe('a VM folder with two snapshots', () => {
  it('yields three readable disk states, each reading as qemu-img read it', async () => {
    const states = await findDiskStates(new HostFolderAccess(path.join(chains, 'VM')));
    expect(states.map((s) => [s.state, s.descriptor, s.label, s.snapshot?.created ?? null, s.snapshot?.memoryFile ?? null])).toEqual([
      ['current', '/VM-000002.vmdk', 'VM', null, null],
      ['After update', '/VM-000001.vmdk', 'VM@After-update', '2024-03-06T08:00:01.000Z', null],
      ['Before update', '/VM.vmdk', 'VM@Before-update', '2024-03-05T10:20:30.000Z', '/VM-Snapshot1.vmem'],
    ]);
    for (const s of states) {
      expect(await shaOfAddress(path.join(chains, 'VM', s.descriptor))).toBe(shaOf('VM', s.descriptor.slice(1)));
    }
  });

  it('`snapshots` prints the tree, the chain and the descriptor of every state', async () => {
    const r = await runCli(['snapshots', 'VM'], { cwd: chains });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(
      [
        'VM "VM test machine"  folder VM  (VM.vmx)',
        'Snapshots (VM.vmsd):',
        '  `-- Before update  [uid 1]  2024-03-05T10:20:30.000Z',
        '          description: "clean install"',
        '          state VM-Snapshot1.vmsn, memory VM-Snapshot1.vmem',
        '          disk scsi0:0: VM.vmdk',
        '      `-- After update  [uid 2]  2024-03-06T08:00:01.000Z',
        '              state VM-Snapshot2.vmsn',
        '              disk scsi0:0: VM-000001.vmdk',
        '          `-- You are here (current state)',
        'Disk scsi0:0 "VM"  41943040 bytes  (vmfsSparse)',
        '  chain: VM-000002.vmdk -> VM-000001.vmdk -> VM.vmdk',
        '  current        VM/VM-000002.vmdk',
        '  After update   VM/VM-000001.vmdk  2024-03-06T08:00:01.000Z',
        '  Before update  VM/VM.vmdk  2024-03-05T10:20:30.000Z',
        '',
      ].join('\n'),
    );
  });

  it('`snapshots --json` on a datastore image names addresses that `cat` reads', async () => {
    const r = await runCli(['snapshots', '--json', `${image}::/`]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.toString());
    expect(j.vms.map((v: { dir: string; name: string }) => [v.dir, v.name])).toEqual([
      ['/RDM', 'RDM'],
      ['/SE', 'SE test machine'],
      ['/VM', 'VM test machine'],
    ]);
    const se = j.vms[1];
    expect(se.snapshots[0].children[0]).toMatchObject({ uid: 2, name: 'snap-2', description: 'with memory', 'memory-file': 'SE-Snapshot2.vmem', current: true });
    const states = se.disks[0].states as Array<{ state: string; open: string; descriptor: string }>;
    expect(states.map((s) => [s.state, s.open])).toEqual([
      ['current', `${image}::/SE/SE-000002.vmdk`],
      ['snap-2', `${image}::/SE/SE-000001.vmdk`],
      ['snap-1', `${image}::/SE/SE.vmdk`],
    ]);
    expect(await shaOfAddress(states[1]!.open)).toBe(section.volume.states.find((s) => s.path === '/SE/SE-000001.vmdk')!.sha256);
  });

  it('a missing delta breaks the chain, is reported, and the other states stay listed', async () => {
    const dir = path.join(work, 'broken');
    cpSync(path.join(chains, 'VM'), dir, { recursive: true });
    rmSync(path.join(dir, 'VM-000001.vmdk'));
    const r = await runCli(['snapshots', '--json', dir]);
    expect(r.code).toBe(0);
    const disk = JSON.parse(r.stdout.toString()).vms[0].disks[0];
    expect(disk.problem).toMatch(/parent "VM-000001.vmdk" of .*VM-000002.vmdk is missing/);
    expect(disk.states.map((s: { state: string }) => s.state)).toEqual(['current', 'Before update']);
    expect(JSON.parse(r.stdout.toString()).vms[0].warnings).toEqual(['snapshot "After update": disk file "VM-000001.vmdk" is missing']);
  });

  it('a folder without VMs is a one-line error, exit 2', async () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'notes.txt'), 'nothing here\n');
    const r = await runCli(['snapshots', empty]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/no VM here/);
  });
});

describe('a Workstation-style folder: hosted sparse disks carry their descriptors inside', () => {
  it('walks child2 -> child1 -> base through the embedded descriptors; each state reads as qemu-img recorded', async () => {
    // corpus case "chain": snaps/child2.vmdk -> snaps/child1.vmdk -> ../base/base.vmdk, all monolithicSparse.
    const c = await extractCase<VmdkCase>('vmdk', 'chain');
    const vm = path.join(work, 'hosted', 'WS');
    rmSync(vm, { recursive: true, force: true });
    cpSync(c.dir, vm, { recursive: true });
    writeFileSync(path.join(vm, 'WS.vmx'), 'displayName = "WS"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "snaps/child2.vmdk"\n');
    const snap = (i: number, uid: number, parent: number | null, name: string, disk: string) =>
      [`snapshot${i}.uid = "${uid}"`, ...(parent ? [`snapshot${i}.parent = "${parent}"`] : []), `snapshot${i}.displayName = "${name}"`, `snapshot${i}.numDisks = "1"`, `snapshot${i}.disk0.fileName = "${disk}"`, `snapshot${i}.disk0.node = "scsi0:0"`];
    writeFileSync(path.join(vm, 'WS.vmsd'), ['snapshot.current = "2"', ...snap(0, 1, null, 'Installed', 'base/base.vmdk'), ...snap(1, 2, 1, 'Patched', 'snaps/child1.vmdk')].join('\n') + '\n');

    const states = await findDiskStates(new HostFolderAccess(vm));
    expect(states.map((s) => [s.state, s.descriptor])).toEqual([
      ['current', '/snaps/child2.vmdk'],
      ['Patched', '/snaps/child1.vmdk'],
      ['Installed', '/base/base.vmdk'],
    ]);
    const want: Record<string, string> = { '/snaps/child2.vmdk': 'chain', '/snaps/child1.vmdk': 'chain-child1', '/base/base.vmdk': 'chain-base' };
    for (const s of states) expect(await shaOfAddress(path.join(vm, s.descriptor))).toBe(caseEntry<VmdkCase>('vmdk', want[s.descriptor]!).sha256);

    const r = await runCli(['snapshots', '--json', 'WS'], { cwd: path.join(work, 'hosted') });
    expect(r.code).toBe(0);
    const disk = JSON.parse(r.stdout.toString()).vms[0].disks[0];
    expect(disk.problem).toBeUndefined();
    expect(disk.chain.map((l: { filename: string; 'create-type': string }) => [l.filename, l['create-type']])).toEqual([
      ['WS/snaps/child2.vmdk', 'monolithicSparse'],
      ['WS/snaps/child1.vmdk', 'monolithicSparse'],
      ['WS/base/base.vmdk', 'monolithicSparse'],
    ]);
  });
});
