/**
 * Bad input through the real CLI: images built byte by byte (test/vmdk-images.ts),
 * each broken in one field. Every case: one line on stderr naming file,
 * structure and byte offset; the exact exit status; nothing on stdout; the
 * evidence files unchanged (bytes, mtime, atime).
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { buildSparse, descriptorText, expectUnchanged, freeze, pattern, SECTOR } from './vmdk-images.js';

const GRAIN = 65536;
/** Write the files, run `vmfskit <cmd> <target>` in their folder, check the one-line error and the evidence. */
async function expectError(files: Record<string, Buffer | string>, target: string, status: number, message: string | RegExp, cmd = 'cat'): Promise<void> {
  const dir = scratch('vmdk-bad');
  for (const [n, b] of Object.entries(files)) writeFileSync(path.join(dir, n), b);
  const before = freeze(dir);
  const r = await runCli([cmd, target], { cwd: dir, timeoutMs: 30_000 });
  expect(r.signal).toBeNull();
  expect(isOneLineError(r.stderr)).toBe(true);
  const line = r.stderr.trimEnd();
  if (typeof message === 'string') expect(line).toBe(`vmfskit: ${message}`);
  else expect(line).toMatch(message);
  expect(r.code).toBe(status);
  expect(r.stdout.length).toBe(0);
  expectUnchanged(dir, before);
}

function threeGrains() {
  return buildSparse({ grains: new Map([0, 1, 2].map((i) => [i, pattern(i, GRAIN)])) });
}

/** 1-based line number of byte `at` in `text`. */
const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;
const hex = (n: number) => `${n} (0x${n.toString(16)})`;

describe('vmfskit on broken VMDKs: one clean line, exact status, evidence untouched', () => {
  it('truncated sparse file: the missing grain is named by grain table, entry and offset', async () => {
    const b = threeGrains();
    const cut = b.file.subarray(0, b.file.length - GRAIN / 2);
    const sector = b.file.readUInt32LE(b.gteAt(2));
    await expectError(
      { 'disk.vmdk': cut },
      'disk.vmdk',
      3,
      `disk.vmdk: grain table 0 entry 2 at byte ${hex(b.gteAt(2))}: grain at sector ${sector} is past the end of the file (${cut.length} bytes) (virtual byte 131072 of this extent)`,
    );
  });

  it('file cut inside its metadata: the grains would start past the end', async () => {
    const b = threeGrains();
    await expectError({ 'disk.vmdk': b.file.subarray(0, 21 * SECTOR) }, 'disk.vmdk', 3, `disk.vmdk: sparse header field overHead at byte ${hex(64)}: overhead of 128 sectors is past the end of the file (10752 bytes)`);
  });

  it('bad magic in a sparse extent named by a descriptor', async () => {
    const b = threeGrains();
    b.file.write('XXXX', 0, 'latin1');
    await expectError(
      { 'd.vmdk': descriptorText({ name: 's001.vmdk', sectors: 4096, createType: 'twoGbMaxExtentSparse' }), 's001.vmdk': b.file },
      'd.vmdk',
      3,
      `s001.vmdk: sparse header magic at byte ${hex(0)}: magic 0x58585858 is not KDMV`,
    );
  });

  it('grain size 0, and not a power of two', async () => {
    for (const gs of [0n, 3n]) {
      const b = threeGrains();
      b.file.writeBigUInt64LE(gs, 20);
      await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 3, `disk.vmdk: sparse header field grainSize at byte ${hex(20)}: grain size ${gs} sectors is not a power of two between 1 and 16384`);
    }
  });

  it('grain directory offset beyond the end of the file', async () => {
    const b = threeGrains();
    b.file.writeBigUInt64LE(100000n, 56);
    await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 3, `disk.vmdk: sparse header field gdOffset at byte ${hex(56)}: grain directory at sector 100000 (4 bytes) is past the end of the file (${b.file.length} bytes)`);
  });

  it('grain table offset beyond the end of the file', async () => {
    const b = threeGrains();
    b.file.writeUInt32LE(99999, b.gdOffset);
    await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 3, `disk.vmdk: grain directory entry 0 at byte ${hex(b.gdOffset)}: grain table at sector 99999 is past the end of the file (${b.file.length} bytes)`);
  });

  it('grain table entry beyond the end of the file', async () => {
    const b = threeGrains();
    b.file.writeUInt32LE(99999, b.gteAt(1));
    await expectError(
      { 'disk.vmdk': b.file },
      'disk.vmdk',
      3,
      `disk.vmdk: grain table 0 entry 1 at byte ${hex(b.gteAt(1))}: grain at sector 99999 is past the end of the file (${b.file.length} bytes) (virtual byte 65536 of this extent)`,
    );
  });

  it('grain table entry pointing into the metadata (GTE 1 without the zeroed-grain flag)', async () => {
    const b = threeGrains();
    b.file.writeUInt32LE(1, b.gteAt(0));
    await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 3, `disk.vmdk: grain table 0 entry 0 at byte ${hex(b.gteAt(0))}: grain at sector 1 lies inside the metadata area (grains start at sector 128) (virtual byte 0 of this extent)`);
  });

  it('unknown incompatible flag, and damaged newline-detection bytes', async () => {
    const b = threeGrains();
    b.file.writeUInt32LE(0x40003, 8);
    await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 2, `disk.vmdk: sparse header field flags at byte ${hex(8)}: unknown incompatible flags 0x40003`);
    const c = threeGrains();
    c.file[75] = 0x0a; // CR turned into LF by a text-mode transfer
    await expectError({ 'disk.vmdk': c.file }, 'disk.vmdk', 3, /^vmfskit: disk\.vmdk: sparse header newline check at byte 73 \(0x49\): newline-detection bytes are not 0A 20 0D 0A/);
  });

  it('lower-case kdmv magic: an unfinished conversion', async () => {
    const b = threeGrains();
    b.file.write('kdmv', 0, 'latin1');
    await expectError({ 'disk.vmdk': b.file }, 'disk.vmdk', 2, /^vmfskit: disk\.vmdk: magic at byte 0 \(0x0\): magic "kdmv" \(lower case\): the writer never finished this file/);
  });

  it('parent loop', async () => {
    const a = buildSparse({ name: 'a.vmdk', cid: 'aaaaaaaa', parentCid: 'bbbbbbbb', parentHint: 'b.vmdk' });
    const b = buildSparse({ name: 'b.vmdk', cid: 'bbbbbbbb', parentCid: 'aaaaaaaa', parentHint: 'a.vmdk' });
    // The offending line is b's parentFileNameHint, named with its byte offset inside b (embedded descriptor).
    const at = b.file.indexOf('parentFileNameHint');
    const line = b.file.subarray(b.file.indexOf('# Disk DescriptorFile'), at).toString('latin1').split('\n').length;
    await expectError({ 'a.vmdk': a.file, 'b.vmdk': b.file }, 'a.vmdk', 3, `b.vmdk: descriptor line ${line} (parentFileNameHint) at byte ${at} (0x${at.toString(16)}): parent chain loops back to a.vmdk`);
  });

  it('missing extent file', async () => {
    const text = descriptorText({ name: 'gone-flat.vmdk', sectors: 4096, createType: 'monolithicFlat', type: 'FLAT' }).replace('"gone-flat.vmdk"', '"gone-flat.vmdk" 0');
    const at = text.indexOf('RW ');
    await expectError({ 'd.vmdk': text }, 'd.vmdk', 2, new RegExp(`^vmfskit: d\\.vmdk: extent 1 \\(descriptor line ${lineOf(text, at)}\\) at byte ${at} \\(0x${at.toString(16)}\\): extent file "gone-flat\\.vmdk" does not exist \\(looked in /.*\\)$`));
  });

  it('flat file shorter than its extent: the missing range is named', async () => {
    const text = descriptorText({ name: 'short-flat.vmdk', sectors: 4096, createType: 'monolithicFlat', type: 'FLAT' }).replace('"short-flat.vmdk"', '"short-flat.vmdk" 0');
    const at = text.indexOf('RW ');
    await expectError(
      { 'd.vmdk': text, 'short-flat.vmdk': Buffer.alloc(1000000, 7) },
      'd.vmdk',
      3,
      `d.vmdk: extent 1 (descriptor line ${lineOf(text, at)}) at byte ${hex(at)}: extent file short-flat.vmdk is 1000000 bytes but the extent needs bytes 0-2097152: bytes 1000000-2097152 of the file (virtual bytes 1000000-2097152 of the extent) are missing`,
    );
  });

  it('missing parent', async () => {
    const c = buildSparse({ name: 'child.vmdk', parentCid: '11111111', parentHint: 'base.vmdk' });
    const at = 512 + c.file.toString('latin1', 512, 1024).indexOf('parentFileNameHint');
    await expectError({ 'child.vmdk': c.file }, 'child.vmdk', 2, new RegExp(`^vmfskit: child\\.vmdk: descriptor line 6 \\(parentFileNameHint\\) at byte ${at} \\(0x${at.toString(16)}\\): parent "base\\.vmdk" not found \\(looked in /.* for: base\\.vmdk\\)$`));
  });

  it('CID mismatch is refused (CHAIN, exit 3) and --ignore-cid reads the chain', async () => {
    const base = buildSparse({ name: 'base.vmdk', cid: '22222222', grains: new Map([[0, pattern(0, GRAIN)], [5, pattern(5, GRAIN)]]) });
    const child = buildSparse({ name: 'child.vmdk', cid: '33333333', parentCid: '11111111', parentHint: 'base.vmdk', grains: new Map([[5, pattern(99, GRAIN)]]) });
    const at = 512 + child.file.toString('latin1', 512, 1024).indexOf('parentCID');
    const files = { 'base.vmdk': base.file, 'child.vmdk': child.file };
    await expectError(
      files,
      'child.vmdk',
      3,
      `child.vmdk: descriptor line 4 (parentCID) at byte ${hex(at)}: parentCID 11111111 does not match CID 22222222 of parent base.vmdk: the parent was written after this delta was made (--ignore-cid reads the chain anyway)`,
    );
    const dir = scratch('vmdk-cid');
    for (const [n, b] of Object.entries(files)) writeFileSync(path.join(dir, n), b);
    const r = await runCli(['cat', '--ignore-cid', 'child.vmdk'], { cwd: dir });
    expect(r.code).toBe(0);
    const want = Buffer.from(base.raw);
    child.raw.copy(want, 5 * GRAIN, 5 * GRAIN, 6 * GRAIN);
    expect(r.stdout.equals(want)).toBe(true);
    expect(r.stderr).toMatch(/^vmfskit: warning: child\.vmdk: parentCID 11111111 does not match CID 22222222 of parent base\.vmdk.*; read anyway \(--ignore-cid\)$/m);
  });

  it('descriptor with a garbage line', async () => {
    const text = 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\u0001\u0002 binary junk\nRW 8 FLAT "f" 0\n';
    await expectError({ 'g.vmdk': text }, 'g.vmdk', 3, /^vmfskit: g\.vmdk: descriptor line 5 at byte 63 \(0x3f\): not a "key = value" or extent line: /);
  });

  it('raw device mapping: reading refuses, saying where the data is', async () => {
    const text = descriptorText({ name: 'x-rdm.vmdk', sectors: 1048576000, createType: 'vmfsRawDeviceMap', type: 'VMFSRDM' });
    const at = text.indexOf('RW ');
    await expectError({ 'r.vmdk': text }, 'r.vmdk', 2, new RegExp(`^vmfskit: r\\.vmdk: extent 1 \\(descriptor line ${lineOf(text, at)}\\) at byte ${at} \\(0x${at.toString(16)}\\): raw device mapping`));
  });
});
