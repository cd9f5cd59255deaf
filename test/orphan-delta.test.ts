/**
 * Orphaned snapshot deltas (issue 13 part 4): COWD and SESparse extents whose
 * descriptors are gone, read over parents named with --parent, and a hosted
 * sparse child whose parent moved. Ground truth: qemu-img's raw sha256 of the
 * intact chains (corpus/MANIFEST "deltas"). `vmfskit descriptor` writes the
 * lost descriptors; vmfskit reads the chain they make to the same bytes, and
 * corpus/oracles/orphans.sh has qemu-img convert them live.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { buildDeltaCorpus, readCid, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume } from '../corpus/builders/delta-vmfs.js';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli, isOneLineError } from './helpers/cli.js';
import { sha256, sha256File } from './helpers/hash.js';
import { scratchCleaned } from './helpers/scratch.js';

const section = readSection<DeltasSection>('deltas')!;
const scratch = scratchCleaned();
const work = scratch('orphan-delta');
const chains = path.join(work, 'chains');
const image = path.join(work, 'ds.img');
const shaOf = (id: string) => section.states.find((s) => s.id === id)!.sha256;

/** A folder holding only the extents of a chain (every descriptor lost), read-only like evidence. */
function orphans(name: string, files: string[]): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    copyFileSync(path.join(chains, f), path.join(dir, path.basename(f)));
    chmodSync(path.join(dir, path.basename(f)), 0o444);
  }
  return dir;
}

let vm: string;
let se: string;

beforeAll(async () => {
  const built = buildDeltaCorpus(chains);
  expect(built.files).toEqual(section.files);
  expect((await buildDeltaVolume(chains, image)).sha256).toBe(section.volume.sha256);
  vm = orphans('vm', ['VM/VM-flat.vmdk', 'VM/VM-000001-delta.vmdk', 'VM/VM-000002-delta.vmdk']);
  se = orphans('se', ['SE/SE-flat.vmdk', 'SE/SE-000001-sesparse.vmdk', 'SE/SE-000002-sesparse.vmdk']);
}, 120_000);

async function catSha(args: string[]): Promise<{ sha: string; code: number; stderr: string }> {
  const r = await runCli(['cat', ...args]);
  return { sha: sha256(r.stdout), code: r.code, stderr: r.stderr.toString() };
}

describe('--parent: orphaned COWD and SESparse deltas read over named parents = qemu-img of the intact chain', () => {
  for (const [kind, dirOf, id, top, parents] of [
    ['COWD', () => vm, 'VM@2', 'VM-000002-delta.vmdk', ['VM-000001-delta.vmdk', 'VM-flat.vmdk']],
    ['COWD', () => vm, 'VM@1', 'VM-000001-delta.vmdk', ['VM-flat.vmdk']],
    ['SESparse', () => se, 'SE@2', 'SE-000002-sesparse.vmdk', ['SE-000001-sesparse.vmdk', 'SE-flat.vmdk']],
    ['SESparse', () => se, 'SE@1', 'SE-000001-sesparse.vmdk', ['SE-flat.vmdk']],
  ] as const) {
    it(`${kind} ${id}: cat, hash, convert, compare`, async () => {
      const dir = dirOf();
      const p = parents.flatMap((x) => ['--parent', path.join(dir, x)]);
      const c = await catSha([path.join(dir, top), ...p]);
      expect(c.code).toBe(0);
      expect(c.sha).toBe(shaOf(id));
      // Every pairing is reported; a lone COWD/SESparse extent has no parentCID to compare.
      expect(c.stderr).toContain(`${top} read over`);
      expect(c.stderr).toContain('the delta carries no parentCID (it was in the lost descriptor)');
      const h = await runCli(['hash', '-a', 'sha256', path.join(dir, top), ...p]);
      expect(h.code).toBe(0);
      expect(h.stdout.toString().split(/\s+/)[0]).toBe(shaOf(id));
      const out = path.join(work, `${id}.raw`);
      const cv = await runCli(['convert', '-q', path.join(dir, top), ...p, out]);
      expect(cv.code).toBe(0);
      expect(await sha256File(out)).toBe(shaOf(id));
      const intact = path.join(chains, id.split('@')[0]!, `${id.split('@')[0]}-00000${id.split('@')[1]}.vmdk`);
      const cmp = await runCli(['compare', path.join(dir, top), ...p, intact]);
      expect(cmp.stdout.toString()).toBe('Images are identical.\n');
      expect(cmp.code).toBe(0);
      const m = await runCli(['map', '--json', path.join(dir, top), ...p]);
      expect(m.code).toBe(0);
      const runs = JSON.parse(m.stdout.toString()) as { start: number; length: number; depth: number }[];
      expect(runs.reduce((n, r) => n + r.length, 0)).toBe(40 << 20);
      expect(Math.max(...runs.map((r) => r.depth))).toBe(parents.length);
    });
  }

  it('inside the VMFS-5 datastore: the delta extents named with :: addresses', async () => {
    const a = (f: string) => `${image}::/VM/${f}`;
    const c = await catSha([a('VM-000002-delta.vmdk'), '--parent', a('VM-000001-delta.vmdk'), '--parent', a('VM-flat.vmdk')]);
    expect(c.code).toBe(0);
    expect(c.sha).toBe(shaOf('VM@2'));
    // A parent that is a descriptor with a CID: still no CID in the delta to compare with.
    const d = await catSha([a('VM-000001-delta.vmdk'), '--parent', a('VM.vmdk')]);
    expect(d.sha).toBe(shaOf('VM@1'));
    expect(d.stderr).toContain(`parent CID ${readCid(path.join(chains, 'VM', 'VM.vmdk')).toString(16).padStart(8, '0')}`);
  });

  it('without --parent a delta extent still reads as its file bytes (the README default)', async () => {
    const c = await catSha([path.join(vm, 'VM-000001-delta.vmdk')]);
    expect(c.code).toBe(0);
    expect(c.sha).toBe(sha256(readFileSync(path.join(vm, 'VM-000001-delta.vmdk'))));
  });

  it('info lists the named parents as layers', async () => {
    const r = await runCli(['info', '--json', path.join(vm, 'VM-000002-delta.vmdk'), '--parent', path.join(vm, 'VM-000001-delta.vmdk'), '--parent', path.join(vm, 'VM-flat.vmdk')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.toString()) as { layers: { depth: number; filename: string }[] };
    expect(j.layers.map((l) => path.basename(l.filename))).toEqual(['VM-000002-delta.vmdk', 'VM-000001-delta.vmdk', 'VM-flat.vmdk']);
  });
});

describe('--parent: a hosted sparse child whose parent is not where its hint says', () => {
  let lost: string;
  beforeAll(() => {
    lost = orphans('ws', ['WS/WS-000001.vmdk']);
  });

  it('alone it cannot find its parent; with --parent it reads as qemu-img read the intact chain, both CIDs reported', async () => {
    const alone = await runCli(['cat', path.join(lost, 'WS-000001.vmdk')]);
    expect(alone.code).toBe(2);
    expect(isOneLineError(alone.stderr.toString())).toBe(true);
    const c = await catSha([path.join(lost, 'WS-000001.vmdk'), '--parent', path.join(chains, 'WS', 'WS.vmdk')]);
    expect(c.code).toBe(0);
    expect(c.sha).toBe(shaOf('WS@1'));
    const cid = readCid(path.join(chains, 'WS', 'WS.vmdk')).toString(16).padStart(8, '0');
    expect(c.stderr).toContain(`delta parentCID ${cid}, parent CID ${cid}: they match`);
  });

  it('a parent whose CID differs: refused with both CIDs (exit 3), read with --ignore-cid', async () => {
    const wrong = path.join(chains, 'W2', 'W2.vmdk');
    const r = await runCli(['cat', path.join(lost, 'WS-000001.vmdk'), '--parent', wrong]);
    expect(r.code).toBe(3);
    const err = r.stderr.toString();
    expect(isOneLineError(err)).toBe(true);
    const want = readCid(path.join(chains, 'WS', 'WS.vmdk')).toString(16).padStart(8, '0');
    const got = readCid(wrong).toString(16).padStart(8, '0');
    expect(err).toContain(`parentCID ${want} does not match CID ${got} of parent`);
    expect(err).toContain('--ignore-cid');
    const ok = await runCli(['cat', '--ignore-cid', path.join(lost, 'WS-000001.vmdk'), '--parent', wrong]);
    expect(ok.code).toBe(0);
  });
});

describe('--parent: bad input', () => {
  it('a parent of another capacity, a parent loop, a non-delta: one line each, exit 3 / 3 / 2', async () => {
    const small = path.join(work, 'small-flat.vmdk');
    const fd = openSync(small, 'w');
    ftruncateSync(fd, 20 << 20);
    closeSync(fd);
    const cap = await runCli(['cat', path.join(vm, 'VM-000001-delta.vmdk'), '--parent', small]);
    expect(cap.code).toBe(3);
    expect(isOneLineError(cap.stderr.toString())).toBe(true);
    expect(cap.stderr.toString()).toContain(`capacity ${40 << 20} bytes differs from its parent`);
    const loop = await runCli(['cat', path.join(vm, 'VM-000002-delta.vmdk'), '--parent', path.join(vm, 'VM-000001-delta.vmdk'), '--parent', path.join(vm, 'VM-000002-delta.vmdk')]);
    expect(loop.code).toBe(3);
    expect(isOneLineError(loop.stderr.toString())).toBe(true);
    expect(loop.stderr.toString()).toContain('parent chain loops back to');
    const flat = await runCli(['hash', path.join(vm, 'VM-flat.vmdk'), '--parent', path.join(vm, 'VM-000001-delta.vmdk')]);
    expect(flat.code).toBe(2);
    expect(flat.stderr.toString()).toContain('is not a VMDK delta');
    const odd = path.join(work, 'odd-flat.vmdk');
    writeFileSync(odd, Buffer.alloc(1000, 1));
    const oddParent = await runCli(['cat', path.join(vm, 'VM-000001-delta.vmdk'), '--parent', odd]);
    expect(oddParent.code).toBe(3);
    expect(isOneLineError(oddParent.stderr.toString())).toBe(true);
  });
});

describe('vmfskit descriptor: the lost descriptors, written beside the orphans in a copy', () => {
  let copy: string;
  const notes: Record<string, string> = {};
  beforeAll(async () => {
    copy = path.join(work, 'rebuilt');
    mkdirSync(copy);
    for (const f of ['VM/VM-flat.vmdk', 'VM/VM-000001-delta.vmdk', 'VM/VM-000002-delta.vmdk', 'SE/SE-flat.vmdk', 'SE/SE-000001-sesparse.vmdk', 'SE/SE-000002-sesparse.vmdk']) {
      copyFileSync(path.join(chains, f), path.join(copy, path.basename(f)));
    }
    for (const [out, file, parent] of [
      ['VM.vmdk', 'VM-flat.vmdk'],
      ['VM-000001.vmdk', 'VM-000001-delta.vmdk', 'VM.vmdk'],
      ['VM-000002.vmdk', 'VM-000002-delta.vmdk', 'VM-000001.vmdk'],
      ['SE.vmdk', 'SE-flat.vmdk'],
      ['SE-000001.vmdk', 'SE-000001-sesparse.vmdk', 'SE.vmdk'],
      ['SE-000002.vmdk', 'SE-000002-sesparse.vmdk', 'SE-000001.vmdk'],
    ] as const) {
      const r = await runCli(['descriptor', path.join(copy, file), ...(parent ? ['--parent', path.join(copy, parent)] : []), '-o', path.join(copy, out)]);
      expect({ code: r.code, out: r.stdout.toString() }).toEqual({ code: 0, out: '' });
      notes[out] = r.stderr.toString();
    }
  }, 60_000);

  it('the descriptors name the right type, size, extent, CIDs and hint', () => {
    const text = (f: string) => readFileSync(path.join(copy, f), 'utf8');
    const base = text('VM.vmdk');
    expect(base).toMatch(/^# Disk DescriptorFile\nversion=1\n/);
    expect(base).toContain('createType="vmfs"');
    expect(base).toContain(`RW ${(40 << 20) / 512} VMFS "VM-flat.vmdk"\n`);
    // ESXi's geometry for a disk up to 1 GiB (vmfs_thick.vmdk: 4096 sectors = 2/64/32).
    expect(base).toContain('ddb.geometry.cylinders = "40"\nddb.geometry.heads = "64"\nddb.geometry.sectors = "32"');
    const cid = /\nCID=([0-9a-f]{8})\n/.exec(base)![1]!;
    expect(notes['VM.vmdk']).toContain(`CID ${cid} chosen at random`);
    expect(base).toContain(`ddb.longContentID = "`);
    expect(base).toMatch(new RegExp(`ddb.longContentID = "[0-9a-f]{24}${cid}"`));
    const d1 = text('VM-000001.vmdk');
    expect(d1).toContain('createType="vmfsSparse"');
    expect(d1).toContain(`parentCID=${cid}\n`);
    expect(d1).toContain('parentFileNameHint="VM.vmdk"');
    expect(d1).toContain(`RW ${(40 << 20) / 512} VMFSSPARSE "VM-000001-delta.vmdk"\n`);
    expect(d1).not.toContain('geometry');
    const s2 = text('SE-000002.vmdk');
    expect(s2).toContain('createType="seSparse"');
    expect(s2).toContain(`RW ${(40 << 20) / 512} SESPARSE "SE-000002-sesparse.vmdk"\n`);
    expect(s2).toContain(`parentCID=${/\nCID=([0-9a-f]{8})\n/.exec(text('SE-000001.vmdk'))![1]}\n`);
    // Nothing before CID= says "CID" (qemu takes the first one it finds).
    for (const f of ['VM.vmdk', 'VM-000001.vmdk', 'SE-000002.vmdk']) expect(text(f).indexOf('CID')).toBe(text(f).indexOf('\nCID=') + 1);
  });

  it('the rebuilt chains read as the intact ones did under qemu-img', async () => {
    for (const [top, id] of [
      ['VM-000002.vmdk', 'VM@2'],
      ['VM-000001.vmdk', 'VM@1'],
      ['VM.vmdk', 'VM@0'],
      ['SE-000002.vmdk', 'SE@2'],
      ['SE-000001.vmdk', 'SE@1'],
    ]) {
      const c = await catSha([path.join(copy, top!)]);
      expect({ top, code: c.code, sha: c.sha, stderr: c.stderr }).toEqual({ top, code: 0, sha: shaOf(id!), stderr: '' });
    }
  });

  it('--hosted: monolithicFlat with a FLAT line and offset 0; --cid sets the CID; stdout by default', async () => {
    const r = await runCli(['descriptor', '--hosted', '--cid', '0a0b0c0d', path.join(copy, 'VM-flat.vmdk')]);
    expect(r.code).toBe(0);
    const t = r.stdout.toString();
    expect(t).toContain('createType="monolithicFlat"');
    expect(t).toContain(`RW 81920 FLAT "VM-flat.vmdk" 0\n`);
    expect(t).toContain('CID=0a0b0c0d\n');
    expect(r.stderr.toString()).toContain('from --cid');
  });

  it('bad input: not whole sectors (3), OUT exists (2, untouched), a parent without CID (2), other capacity (3), a hosted sparse disk (2)', async () => {
    const odd = path.join(work, 'odd-flat.vmdk');
    writeFileSync(odd, Buffer.alloc(81920 * 512 + 100, 1));
    const a = await runCli(['descriptor', odd]);
    expect(a.code).toBe(3);
    expect(isOneLineError(a.stderr.toString())).toBe(true);
    expect(a.stderr.toString()).toContain('must be whole 512-byte sectors, but the file is 41943140 bytes');
    const before = readFileSync(path.join(copy, 'VM.vmdk'));
    const b = await runCli(['descriptor', path.join(copy, 'VM-flat.vmdk'), '-o', path.join(copy, 'VM.vmdk')]);
    expect(b.code).toBe(2);
    expect(b.stderr.toString()).toContain('already exists');
    expect(readFileSync(path.join(copy, 'VM.vmdk'))).toEqual(before);
    expect(existsSync(path.join(copy, 'VM.vmdk.partial'))).toBe(false);
    const c = await runCli(['descriptor', path.join(copy, 'VM-000001-delta.vmdk'), '--parent', path.join(copy, 'VM-flat.vmdk')]);
    expect(c.code).toBe(2);
    expect(c.stderr.toString()).toContain('has no descriptor, so no CID');
    const small = path.join(work, 'small.vmdk');
    writeFileSync(small, ['# Disk DescriptorFile', 'version=1', 'CID=11111111', 'parentCID=ffffffff', 'createType="vmfs"', 'RW 40960 VMFS "small-flat.vmdk"', ''].join('\n'));
    writeFileSync(path.join(work, 'small-flat.vmdk'), Buffer.alloc(0));
    ftruncateSync(openSync(path.join(work, 'small-flat.vmdk'), 'r+'), 40960 * 512);
    const d = await runCli(['descriptor', path.join(copy, 'VM-000001-delta.vmdk'), '--parent', small]);
    expect(d.code).toBe(3);
    expect(isOneLineError(d.stderr.toString())).toBe(true);
    expect(d.stderr.toString()).toContain(`capacity ${40 << 20} bytes differs from the parent`);
    const e = await runCli(['descriptor', path.join(chains, 'WS', 'WS-000001.vmdk')]);
    expect(e.code).toBe(2);
    expect(e.stderr.toString()).toContain('hosted sparse disk');
    expect(statSync(copy).isDirectory()).toBe(true);
  });
});
