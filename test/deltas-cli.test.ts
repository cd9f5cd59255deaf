/**
 * The ESXi delta chains through the CLI, on the host and inside a VMFS-5
 * datastore: every chain state's `cat` sha256 equals qemu-img's (recorded in
 * corpus/MANIFEST "deltas"), `map --json` depths agree with `qemu-img map`
 * (also for the mixed chains over qemu-made hosted sparse layers, WS and W2,
 * and for the SESparse chain over the thin base whose holes debugvmfs found),
 * damaged deltas and RDMs fail with one line and the documented exit code.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { chmodSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { buildDeltaCorpus, descriptorText, DISK_BYTES, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume, RDM_BYTES, RDM_LUN_ID } from '../corpus/builders/delta-vmfs.js';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli, isOneLineError } from './helpers/cli.js';
import { sha256 } from './helpers/hash.js';
import { CORPUS, scratch } from './helpers/paths.js';

const section = readSection<DeltasSection>('deltas')!;
const work = scratch('deltas-cli');
const chains = path.join(work, 'chains');
const image = path.join(work, 'deltas-ds.img');

beforeAll(async () => {
  const built = buildDeltaCorpus(chains);
  expect(built.files).toEqual(section.files);
  // The datastore image is rebuilt bit for bit: the one whose states and thin base debugvmfs and qemu-img were run on.
  expect((await buildDeltaVolume(chains, image)).sha256).toBe(section.volume.sha256);
});

type MapRun = { start: number; length: number; depth: number; zero: boolean; data: boolean };

/** Our map and qemu's agree on depth and zero-ness at both ends of every run we report. */
function expectSameDepths(ours: MapRun[], qemu: MapRun[]): void {
  const at = (off: number) => qemu.find((r) => r.start <= off && off < r.start + r.length)!;
  expect(ours.reduce((n, r) => n + r.length, 0)).toBe(DISK_BYTES);
  for (const r of ours) {
    for (const off of [r.start, r.start + r.length - 512]) {
      const q = at(off);
      expect({ off, depth: r.depth, zero: r.zero }).toEqual({ off, depth: q.depth, zero: q.zero });
    }
  }
}

describe('chain states on the host', () => {
  for (const s of section.states) {
    it(`${s.id}: cat ${s.dir}/${s.descriptor} = qemu-img sha256, map --json depths = qemu-img map`, async () => {
      const file = path.join(chains, s.dir, s.descriptor);
      const cat = await runCli(['cat', file]);
      expect({ code: cat.code, stderr: cat.stderr }).toEqual({ code: 0, stderr: '' });
      expect(cat.stdout.length).toBe(s.virtualSize);
      expect(sha256(cat.stdout)).toBe(s.sha256);
      const map = await runCli(['map', '--json', file]);
      expect(map.code).toBe(0);
      expectSameDepths(JSON.parse(map.stdout.toString()) as MapRun[], s.qemuMap);
    });
  }
});

describe('mixed chains over hosted sparse layers (Workstation VMs imported to ESXi; qemu-made layers from corpus/deltas/hosted.tar.gz)', () => {
  it('the committed archive is the one recorded, and the chains read as the kinds they are', async () => {
    expect({ size: statSync(path.join(CORPUS, section.archive.path)).size, sha256: sha256(readFileSync(path.join(CORPUS, section.archive.path))) }).toEqual({
      size: section.archive.size,
      sha256: section.archive.sha256,
    });
    // WS: SESparse over a monolithicSparse Workstation snapshot over a monolithicSparse base; W2: COWD → COWD over twoGbMaxExtentSparse.
    const kinds = async (file: string) => {
      const r = await runCli(['info', '--json', path.join(chains, file)]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout.toString()).layers as Array<{ 'create-type': string }>).map((l) => l['create-type']);
    };
    expect(await kinds('WS/WS-000002.vmdk')).toEqual(['seSparse', 'monolithicSparse', 'monolithicSparse']);
    expect(await kinds('W2/W2-000002.vmdk')).toEqual(['vmfsSparse', 'vmfsSparse', 'twoGbMaxExtentSparse']);
  });

  it('every state of WS and W2 is recorded with a qemu-img map that reaches the hosted layers', () => {
    const ids = section.states.filter((s) => s.dir === 'WS' || s.dir === 'W2').map((s) => s.id);
    expect(ids).toEqual(['WS@0', 'WS@1', 'WS@2', 'W2@0', 'W2@1', 'W2@2']);
    // The SESparse state has runs answered by each of its three layers; the top COWD state by each of its three.
    for (const id of ['WS@2', 'W2@2']) expect([...new Set(section.states.find((s) => s.id === id)!.qemuMap.map((r) => r.depth))].sort()).toEqual([0, 1, 2]);
  });
});

describe('chain states inside a VMFS-5 datastore (absolute /vmfs/volumes/<uuid>/ parent hints)', () => {
  for (const s of section.volume.states) {
    it(`${s.id}: cat deltas-ds.img::${s.path} = qemu-img sha256 (debugvmfs + json: backing)`, async () => {
      const cat = await runCli(['cat', `${image}::${s.path}`]);
      expect({ code: cat.code, stderr: cat.stderr.replace(/^vmfskit: warning: .*parent hint .* resolved to .*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
      expect(sha256(cat.stdout)).toBe(s.sha256);
    });
  }

  it('the thin base /SE/SE-flat.vmdk is thin on VMFS: the blocks debugvmfs found allocated, holes elsewhere', async () => {
    expect(section.volume.thin.map((t) => t.path)).toEqual(['/SE/SE-flat.vmdk']);
    const t = section.volume.thin[0]!;
    expect(t.holeBlocks).toBeGreaterThan(0);
    const st = await runCli(['stat', '--json', `${image}::${t.path}`]);
    expect(st.code).toBe(0);
    const details = JSON.parse(st.stdout.toString()).details;
    expect({ blocks: details['block-count'], data: details['data-blocks'], holes: details['hole-blocks'] }).toEqual({ blocks: t.dataBlocks.length, data: t.dataBlocks.length, holes: t.holeBlocks });
    expect(JSON.parse(st.stdout.toString())['allocated-size']).toBe(t.dataBlocks.length << 20);
    // The base state reads zeros from every hole, shown as zero runs of the flat file in map.
    const map = await runCli(['map', '--json', `${image}::/SE/SE.vmdk`]);
    expect(map.code).toBe(0);
    const runs = JSON.parse(map.stdout.toString()) as MapRun[];
    for (let b = 0; b < t.blocks; b++) {
      if (t.dataBlocks.includes(b)) continue;
      const inBlock = runs.filter((r) => r.start < (b + 1) << 20 && r.start + r.length > b << 20);
      expect({ b, runs: inBlock.map((r) => ({ depth: r.depth, zero: r.zero, data: r.data })) }).toEqual({ b, runs: [{ depth: 0, zero: true, data: false }] });
    }
  });

  for (const s of section.volume.states.filter((x) => x.id.startsWith('SE@'))) {
    it(`${s.id}: map --json deltas-ds.img::${s.path} depths = qemu-img map of the same state on the host (grains fall through to the thin base's holes)`, async () => {
      const map = await runCli(['map', '--json', `${image}::${s.path}`]);
      expect(map.code).toBe(0);
      const runs = JSON.parse(map.stdout.toString()) as MapRun[];
      const host = section.states.find((x) => x.id === s.id)!;
      expectSameDepths(runs, host.qemuMap);
      // Runs answered by the base inside its holes: the delta's grains fell through to a hole.
      const holes = section.volume.thin[0]!;
      const base = host.qemuMap.length ? Math.max(...host.qemuMap.map((r) => r.depth)) : 0;
      const throughHoles = runs.filter((r) => r.depth === base && r.zero && !holes.dataBlocks.includes(Math.floor(r.start / (1 << 20))));
      expect(throughHoles.length).toBeGreaterThan(0);
    });
  }

  it('RDM (physical mode): info shows mapped size and LUN id; cat refuses with one line, exit 2', async () => {
    const info = await runCli(['info', '--json', `${image}::/RDM/RDM.vmdk`]);
    expect(info.code).toBe(0);
    const j = JSON.parse(info.stdout.toString());
    expect(j['virtual-size']).toBe(RDM_BYTES);
    expect(j['format-specific'].data['create-type']).toBe('vmfsPassthroughRawDeviceMap');
    const details = j.layers[0].extents[0].details;
    expect(details).toMatchObject({ format: 'rdm', 'mapped-size': RDM_BYTES, 'mapping-file-type': 'rdm', lun: { id: RDM_LUN_ID, vendor: 'VMware' } });
    const text = await runCli(['info', `${image}::/RDM/RDM_1.vmdk`]);
    expect(text.code).toBe(0);
    expect(text.stdout.toString()).toContain(`raw device mapping: ${RDM_BYTES} bytes on LUN 0, VMware Virtual disk, id ${RDM_LUN_ID}`);
    const cat = await runCli(['cat', `${image}::/RDM/RDM.vmdk`]);
    expect(cat.code).toBe(2);
    expect(cat.stdout.length).toBe(0);
    expect(isOneLineError(cat.stderr)).toBe(true);
    expect(cat.stderr).toMatch(/RDM\.vmdk: extent 1 .*raw device mapping: the disk's 10737418240 bytes are on LUN 0, VMware Virtual disk, id naa\.600508b1001c4d1e2f3a4b5c6d7e8f90, not in these files/);
  });
});

describe('RDM copied out of a datastore to the host', () => {
  it('a mapping file with the disk size is reported as possibly the LUN copy; reading still refuses', async () => {
    const dir = path.join(work, 'rdm-host');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'R.vmdk'), descriptorText({ cid: 0x7d000002, createType: 'vmfsRawDeviceMap', extent: 'RW 2048 VMFSRDM "R-rdm.vmdk"' }));
    writeFileSync(path.join(dir, 'R-rdm.vmdk'), Buffer.alloc(2048 * 512, 1));
    const info = await runCli(['info', '--json', path.join(dir, 'R.vmdk')]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout.toString()).layers[0].extents[0].details).toMatchObject({ format: 'rdm', 'mapped-size': 1048576, 'mapping-file-type': 'file', 'mapping-file-size': 1048576 });
    const cat = await runCli(['cat', path.join(dir, 'R.vmdk')]);
    expect(cat.code).toBe(2);
    expect(isOneLineError(cat.stderr)).toBe(true);
    expect(cat.stderr).toMatch(/on the LUN named by .*R-rdm\.vmdk, not in these files; image that LUN separately; the mapping file here has the disk's full size: if it is a copy of the LUN, read it directly as a raw image/);
  });
});

describe('damaged chains through the CLI: one line, exit 3', () => {
  /** A private copy of one chain folder to damage. */
  function copyChain(vm: string, name: string): string {
    const dir = path.join(work, 'bad', name);
    cpSync(path.join(chains, vm), dir, { recursive: true });
    return dir;
  }
  function patch(file: string, offset: number, bytes: Buffer): void {
    chmodSync(file, 0o644);
    const fd = openSync(file, 'r+');
    writeSync(fd, bytes, 0, bytes.length, offset);
    closeSync(fd);
  }
  const u32 = (v: number) => Buffer.from(new Uint32Array([v]).buffer);
  const u64 = (v: bigint) => Buffer.from(new BigUint64Array([v]).buffer);

  async function expectFail(file: string, code: number, pattern: RegExp): Promise<void> {
    const r = await runCli(['cat', file]);
    expect(r.code).toBe(code);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(pattern);
  }

  it('COWD numGDEntries too small for the capacity', async () => {
    const d = copyChain('VM', 'cowd-gd');
    patch(path.join(d, 'VM-000001-delta.vmdk'), 24, u32(2));
    await expectFail(path.join(d, 'VM-000002.vmdk'), 3, /VM-000001-delta\.vmdk: COWD header numGDEntries at byte 24 \(0x18\): 2 grain directory entries cover less than the disk's 41943040 bytes \(20 needed\)/);
  });

  it('COWD grain table entry past the end of the file', async () => {
    const d = copyChain('VM', 'cowd-gte');
    // VM-000001-delta (grains stored in ascending order): header (4 sectors) + GD (1 sector), grain table 0 at sector 5; grain 16 is allocated there.
    patch(path.join(d, 'VM-000001-delta.vmdk'), 5 * 512 + 16 * 4, u32(0x00ffffff));
    await expectFail(path.join(d, 'VM-000001.vmdk'), 3, /VM-000001-delta\.vmdk: grain table 0 entry 16 at byte 2624 \(0xa40\): grain at sector 16777215 is past the end of the file/);
  });

  it('SESparse bad magic', async () => {
    const d = copyChain('SE', 'ses-magic');
    patch(path.join(d, 'SE-000001-sesparse.vmdk'), 0, u64(0xdeadbeefn));
    await expectFail(path.join(d, 'SE-000001.vmdk'), 3, /SE-000001-sesparse\.vmdk: SESparse header magic at byte 0 \(0x0\): not an SESparse file/);
  });

  it('SESparse unknown grain table entry type', async () => {
    const d = copyChain('SE', 'ses-nibble');
    patch(path.join(d, 'SE-000001-sesparse.vmdk'), 6144 * 512, u64(0x7000000000000000n));
    await expectFail(path.join(d, 'SE-000001.vmdk'), 3, /grain table 0 entry 0 at byte 3145728 \(0x300000\): unknown grain table entry type 7/);
  });

  it('SESparse directory entry past the grain tables', async () => {
    const d = copyChain('SE', 'ses-gd');
    patch(path.join(d, 'SE-000001-sesparse.vmdk'), 4096 * 512, u64(0x1000000000000040n));
    await expectFail(path.join(d, 'SE-000001.vmdk'), 3, /grain directory entry 0 at byte 2097152 \(0x200000\): grain table index 64 is past the grain tables region \(32 tables\)/);
  });

  it('SESparse journal that needs replaying: refused (exit 3), read with --ignore-journal', async () => {
    const d = copyChain('SE', 'ses-journal');
    patch(path.join(d, 'SE-000001-sesparse.vmdk'), 512 + 24, u64(1n));
    await expectFail(path.join(d, 'SE-000002.vmdk'), 3, /SE-000001-sesparse\.vmdk: SESparse volatile header replayJournal at byte 536 \(0x218\): the journal must be replayed .*--ignore-journal/);
    const r = await runCli(['cat', '--ignore-journal', path.join(d, 'SE-000002.vmdk')]);
    expect(r.code).toBe(0);
    expect(sha256(r.stdout)).toBe(section.states.find((s) => s.id === 'SE@2')!.sha256);
  });

  it('a parent whose capacity differs', async () => {
    const d = copyChain('VM', 'capacity');
    const f = path.join(d, 'VM.vmdk');
    chmodSync(f, 0o644);
    writeFileSync(f, readFileSync(f, 'utf8').replace(`RW ${DISK_BYTES / 512} VMFS`, `RW ${DISK_BYTES / 512 - 2048} VMFS`));
    const child = path.join(d, 'VM-000001.vmdk');
    // The child's extent line ("RW 81920 VMFSSPARSE ...") is descriptor line 11; its byte offset in the file:
    const text = readFileSync(child, 'utf8');
    const at = text.indexOf(`RW ${DISK_BYTES / 512} VMFSSPARSE`);
    expect(text.slice(0, at).split('\n').length).toBe(11);
    // Run in the chain's folder so the names in the message are exactly the ones given.
    const r = await runCli(['cat', 'VM-000001.vmdk'], { cwd: d });
    expect(r.code).toBe(3);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe(
      `vmfskit: VM-000001.vmdk: extent 1 (descriptor line 11) at byte ${at} (0x${at.toString(16)}): capacity ${DISK_BYTES} bytes differs from its parent VM.vmdk (${DISK_BYTES - 2048 * 512} bytes)\n`,
    );
    expect(at).toBe(178);
  });
});
