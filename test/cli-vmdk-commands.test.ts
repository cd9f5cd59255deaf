/**
 * info, map and cat through the real CLI on VMDKs built byte by byte from a
 * model (test/vmdk-images.ts): the expected bytes are the model's, the
 * expected map follows from which layer holds which grain (vmdk-format §7,
 * depth as `qemu-img map` reports it, conventions.md §(a)).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from './helpers/cli.js';
import { BIN, scratch } from './helpers/paths.js';
import { buildSparse, buildStream, descriptorText, expectUnchanged, freeze, pattern, sha256 } from './vmdk-images.js';

const G = 65536;
const grains = (ids: number[], salt = 0) => new Map(ids.map((i) => [i, pattern(i + salt, G)]));

/** base (grains 0, 3, 5, 9) ← mid (3 rewritten, 5 zeroed) ← top in another folder (9 rewritten), Windows hint. */
function chain(dir: string) {
  mkdirSync(path.join(dir, 'base'));
  mkdirSync(path.join(dir, 'snaps'));
  const base = buildSparse({ name: 'base.vmdk', cid: 'b0b0b0b0', grains: grains([0, 3, 5, 9]) });
  const mid = buildSparse({ name: 'mid.vmdk', cid: 'c1c1c1c1', parentCid: 'b0b0b0b0', parentHint: 'base.vmdk', grains: grains([3], 100), zeroed: [5] });
  const top = buildSparse({ name: 'top.vmdk', cid: 'd2d2d2d2', parentCid: 'c1c1c1c1', parentHint: 'C:\\VMs\\base\\mid.vmdk', grains: grains([9], 200) });
  writeFileSync(path.join(dir, 'base', 'base.vmdk'), base.file);
  writeFileSync(path.join(dir, 'base', 'mid.vmdk'), mid.file);
  writeFileSync(path.join(dir, 'snaps', 'top.vmdk'), top.file);
  const midRaw = Buffer.from(base.raw);
  mid.raw.copy(midRaw, 3 * G, 3 * G, 4 * G);
  midRaw.fill(0, 5 * G, 6 * G);
  const topRaw = Buffer.from(midRaw);
  top.raw.copy(topRaw, 9 * G, 9 * G, 10 * G);
  return { base, mid, top, midRaw, topRaw };
}

describe('vmfskit cat / map / info on VMDKs', () => {
  it('cat reads a three-layer chain and each earlier state on its own; info/map/cat leave every file as it was', async () => {
    const dir = scratch('vmdk-chain');
    const c = chain(dir);
    const before = [freeze(path.join(dir, 'base')), freeze(path.join(dir, 'snaps'))] as const;
    const top = await runCli(['cat', 'snaps/top.vmdk'], { cwd: dir });
    expect(top.code).toBe(0);
    expect(sha256(top.stdout)).toBe(sha256(c.topRaw));
    // The Windows hint was mapped onto the evidence, and that is said.
    expect(top.stderr).toBe('vmfskit: warning: snaps/top.vmdk: parent hint "C:\\VMs\\base\\mid.vmdk" resolved to base/mid.vmdk\n');
    const mid = await runCli(['cat', 'base/mid.vmdk'], { cwd: dir });
    expect(sha256(mid.stdout)).toBe(sha256(c.midRaw));
    const base = await runCli(['cat', 'base/base.vmdk'], { cwd: dir });
    expect(sha256(base.stdout)).toBe(sha256(c.base.raw));
    for (const args of [['info', 'snaps/top.vmdk'], ['info', '--json', 'snaps/top.vmdk'], ['map', 'snaps/top.vmdk'], ['map', '--json', 'snaps/top.vmdk']]) {
      expect((await runCli(args, { cwd: dir })).code).toBe(0);
    }
    expectUnchanged(path.join(dir, 'base'), before[0]);
    expectUnchanged(path.join(dir, 'snaps'), before[1]);
  });

  it('map --json reports the answering layer as depth, zeroed grains as present zeros, holes at the deepest layer', async () => {
    const dir = scratch('vmdk-map');
    const c = chain(dir);
    const r = await runCli(['map', '--json', 'snaps/top.vmdk'], { cwd: dir });
    expect(r.code).toBe(0);
    const off = (name: 'base' | 'mid' | 'top', grain: number) => c[name].file.readUInt32LE(c[name].gteAt(grain)) * 512;
    const T = 'snaps/top.vmdk';
    const M = 'base/mid.vmdk';
    const B = 'base/base.vmdk';
    expect(JSON.parse(r.stdout.toString())).toEqual([
      { start: 0, length: G, depth: 2, present: true, zero: false, data: true, offset: off('base', 0), file: B },
      { start: G, length: 2 * G, depth: 2, present: false, zero: true, data: false, file: B },
      { start: 3 * G, length: G, depth: 1, present: true, zero: false, data: true, offset: off('mid', 3), file: M },
      { start: 4 * G, length: G, depth: 2, present: false, zero: true, data: false, file: B },
      { start: 5 * G, length: G, depth: 1, present: true, zero: true, data: false, file: M },
      { start: 6 * G, length: 3 * G, depth: 2, present: false, zero: true, data: false, file: B },
      { start: 9 * G, length: G, depth: 0, present: true, zero: false, data: true, offset: off('top', 9), file: T },
      { start: 10 * G, length: 22 * G, depth: 2, present: false, zero: true, data: false, file: B },
    ]);
    const human = await runCli(['map', 'snaps/top.vmdk'], { cwd: dir });
    expect(human.stdout.toString().split('\n')[7]).toBe(`0x90000             0x10000             0      data        0x${off('top', 9).toString(16).padEnd(18)}${T}`);
  });

  it('info --json: qemu-img key names, every layer, allocated bytes', async () => {
    const dir = scratch('vmdk-info');
    chain(dir);
    const r = await runCli(['info', '--json', 'snaps/top.vmdk'], { cwd: dir });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.toString());
    expect(j).toMatchObject({
      'virtual-size': 2097152,
      filename: 'snaps/top.vmdk',
      'cluster-size': 65536,
      format: 'vmdk',
      'format-specific': { type: 'vmdk', data: { cid: 0xd2d2d2d2, 'parent-cid': 0xc1c1c1c1, 'create-type': 'monolithicSparse', extents: [{ filename: 'snaps/top.vmdk', 'virtual-size': 2097152, 'cluster-size': 65536, format: 'SPARSE' }] } },
      'backing-filename': 'C:\\VMs\\base\\mid.vmdk',
      'full-backing-filename': 'base/mid.vmdk',
    });
    expect(j.layers.map((l: Record<string, unknown>) => [l.filename, l.cid, l['parent-cid'], l['allocated-bytes']])).toEqual([
      ['snaps/top.vmdk', 0xd2d2d2d2, 0xc1c1c1c1, G],
      ['base/mid.vmdk', 0xc1c1c1c1, 0xb0b0b0b0, G],
      ['base/base.vmdk', 0xb0b0b0b0, 0xffffffff, 4 * G],
    ]);
    expect(j.layers[0].ddb).toEqual({ 'ddb.adapterType': 'lsilogic', 'ddb.virtualHWVersion': '14' });
    const text = await runCli(['info', 'snaps/top.vmdk'], { cwd: dir });
    expect(text.stdout.toString()).toMatch(/^image: snaps\/top\.vmdk\nfile format: vmdk\nvirtual size: 2 MiB \(2097152 bytes\)\ncreate type: monolithicSparse\nCID: d2d2d2d2\nparent CID: c1c1c1c1\nlayers: 3\n/);
  });

  it('stream-optimized, both layouts (GD at the front; gdOffset = -1 with footer), inflated on the worker pool', async () => {
    const dir = scratch('vmdk-stream');
    const ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 31];
    const front = buildStream({ grains: grains(ids) });
    const back = buildStream({ grains: grains(ids), footer: true, name: 'old-name.vmdk' });
    expect(back.file.readBigUInt64LE(56)).toBe(0xffffffffffffffffn);
    writeFileSync(path.join(dir, 'front.vmdk'), front.file);
    writeFileSync(path.join(dir, 'back.vmdk'), back.file);
    for (const f of ['front.vmdk', 'back.vmdk']) {
      const r = await runCli(['cat', f], { cwd: dir });
      expect([f, r.code, sha256(r.stdout)]).toEqual([f, 0, sha256(front.raw)]);
    }
    const m = await runCli(['map', '--json', 'back.vmdk'], { cwd: dir });
    expect(JSON.parse(m.stdout.toString())[0]).toEqual({ start: 0, length: 12 * G, depth: 0, present: true, zero: false, data: true, file: 'back.vmdk', compressed: true });
  });

  it('stream-optimized grain whose marker names another LBA is corrupt', async () => {
    const dir = scratch('vmdk-stream-bad');
    const s = buildStream({ name: 's.vmdk', grains: grains([0, 1, 2]), badLbaGrain: 1 });
    writeFileSync(path.join(dir, 's.vmdk'), s.file);
    const r = await runCli(['cat', 's.vmdk'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`vmfskit: s.vmdk: grain table 0 entry 1 at byte ${s.gteAt(1)} (0x${s.gteAt(1).toString(16)}): grain marker at sector ${s.file.readUInt32LE(s.gteAt(1))} is for LBA 127872, expected 128 (virtual byte 65536 of this extent)\n`);
  });

  it('custom descriptor: FLAT with a sector offset, ZERO, NOACCESS flat, names with spaces', async () => {
    const dir = scratch('vmdk-custom');
    const a = pattern(1, 8192);
    const b = pattern(2, 4096);
    writeFileSync(path.join(dir, 'part one.bin'), Buffer.concat([Buffer.alloc(1024, 0xee), a]));
    writeFileSync(path.join(dir, 'p2.bin'), b);
    writeFileSync(
      path.join(dir, 'c.vmdk'),
      'version=1\r\nCID=1\r\nparentCID=ffffffff\r\ncreateType="custom"\r\nRW 16 FLAT "part one.bin" 2\r\nRW 8 ZERO\r\nNOACCESS 8 FLAT "p2.bin" 0\r\nNOACCESS 4 FLAT "absent.bin" 0\r\n',
    );
    const r = await runCli(['cat', 'c.vmdk'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.concat([a, Buffer.alloc(4096), b, Buffer.alloc(2048)]))).toBe(true);
    expect(r.stderr).toMatch(/warning: c\.vmdk: extent 3: "p2\.bin" is marked NOACCESS; read anyway/);
    expect(r.stderr).toMatch(/warning: c\.vmdk: extent 4: NOACCESS extent "absent\.bin" is absent: its 4 sectors read as zeros/);
  });

  it('cat of a renamed monolithicSparse reads the file given and warns about the stale name', async () => {
    const dir = scratch('vmdk-renamed');
    const s = buildSparse({ name: 'original.vmdk', grains: grains([1, 2]) });
    writeFileSync(path.join(dir, 'evidence copy.vmdk'), s.file);
    const r = await runCli(['cat', 'evidence copy.vmdk'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(s.raw)).toBe(true);
    expect(r.stderr).toBe('vmfskit: warning: evidence copy.vmdk: embedded descriptor names the extent "original.vmdk" (the file was renamed): read "evidence copy.vmdk", the file given\n');
  });

  it('cat into a closed pipe ends quietly with status 0; a plain host file is cat as its bytes; info on it says raw', async () => {
    const dir = scratch('vmdk-pipe');
    const s = buildSparse({ name: 'big.vmdk', capacity: 65536, grains: grains([0, 100, 300]) });
    writeFileSync(path.join(dir, 'big.vmdk'), s.file);
    const p = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" cat big.vmdk | head -c 1000 > /dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: dir, encoding: 'utf8' });
    expect(p.stdout.trim()).toBe('0');
    expect(p.stderr).toBe('');
    const plain = pattern(7, 5000);
    writeFileSync(path.join(dir, 'plain.bin'), plain);
    const r = await runCli(['cat', 'plain.bin'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.equals(plain)).toBe(true);
    const i = await runCli(['info', '--json', 'plain.bin'], { cwd: dir });
    expect(JSON.parse(i.stdout.toString())).toEqual({ 'virtual-size': 5000, filename: 'plain.bin', format: 'raw' });
  });

  it('a delta opened with its parent missing is NOT_FOUND; the descriptor alone is not enough', async () => {
    const dir = scratch('vmdk-noparent');
    const text = descriptorText({ name: 'd-s001.vmdk', sectors: 4096, createType: 'twoGbMaxExtentSparse', parentCid: '12345678', parentHint: 'gone.vmdk' });
    const at = text.indexOf('parentFileNameHint');
    writeFileSync(path.join(dir, 'd.vmdk'), text);
    writeFileSync(path.join(dir, 'd-s001.vmdk'), buildSparse({ descriptor: '' }).file);
    const r = await runCli(['cat', 'd.vmdk'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmfskit: d\.vmdk: descriptor line 6 \(parentFileNameHint\) at byte (\d+) .*: parent "gone\.vmdk" not found/);
    expect(Number(/at byte (\d+)/.exec(r.stderr)![1])).toBe(at);
  });
});
