/**
 * `vmfskit verify`: manifests in the formats of md5sum/sha*sum (coreutils
 * 9.1), BSD tag lines, xxhsum and hashdeep 4.4 — written here line by line
 * as conventions.md §(c) documents them, with digests from node:crypto (and
 * one xxhsum value recorded from the real tool).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratch, hasSharedCorpus, SHARED_CORPUS } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { digestHex as hex } from './helpers/hash.js';
import { pattern } from './hash-pattern.js';

/** Change one hex digit. */
const flip = (h: string): string => (h[0] === 'f' ? 'e' : 'f') + h.slice(1);

let dir: string;
const A = pattern(3158093);
const B = pattern(70000, 5);
const W = Buffer.from('odd name\n');
const WEIRD = 'we ird\\na\nme.txt';
// `xxhsum -H1` (xxhsum 0.8.1) of pattern(3158093).
const A_XXH64 = 'a1f611829a245f2c';

beforeAll(() => {
  dir = scratch('verify-cli');
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'a.bin'), A);
  writeFileSync(path.join(dir, 'sub', 'b.bin'), B);
  writeFileSync(path.join(dir, 'sub', WEIRD), W);
});

function manifest(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

const escaped = (n: string): string => n.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** GNU, binary-mode and BSD lines, several algorithms for one file, an escaped name. */
function goodLines(): string[] {
  return [
    `${hex('md5', A)}  a.bin`,
    `SHA256 (a.bin) = ${hex('sha256', A)}`,
    `XXH64 (a.bin) = ${A_XXH64}`,
    `${hex('sha1', B)} *sub/b.bin`,
    `\\${hex('md5', W)}  ${escaped(`sub/${WEIRD}`)}`,
  ];
}

describe('vmfskit verify', () => {
  it('a correct manifest: every name OK, exit 0', async () => {
    const m = manifest('good.sums', goodLines());
    const r = await runCli(['verify', '--manifest', m]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`a.bin: OK\nsub/b.bin: OK\nsub/${WEIRD}: OK\n`);
  });

  it('--progress draws on stderr only, cleared before each result line; stdout unchanged', async () => {
    const m = manifest('good-progress.sums', goodLines());
    const r = await runCli(['verify', '--progress', '--manifest', m]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`a.bin: OK\nsub/b.bin: OK\nsub/${WEIRD}: OK\n`);
    expect(r.stderr.toString()).toMatch(/^\r.* \/ .*\(100\.0%\)/);
    // Every drawn line is wiped again (no stray progress left on the terminal).
    expect(r.stderr.toString().endsWith('\r')).toBe(true);
  });

  it('one flipped hex digit: that file FAILED with expected and computed digests, exit 1', async () => {
    const lines = goodLines();
    lines[1] = `SHA256 (a.bin) = ${flip(hex('sha256', A))}`;
    const m = manifest('flipped.sums', lines);
    const r = await runCli(['verify', '-m', m]);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe(
      [
        'a.bin: FAILED',
        `  sha256 expected ${flip(hex('sha256', A))}`,
        `  sha256 computed ${hex('sha256', A)}`,
        'sub/b.bin: OK',
        `sub/${WEIRD}: OK`,
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain('1 FAILED');
  });

  it('a missing file is MISSING; with --audit an extra file is NEW; exit 1', async () => {
    writeFileSync(path.join(dir, 'sub', 'extra.bin'), 'new');
    const m = manifest('missing.sums', [...goodLines(), `${hex('md5', 'x')}  gone.bin`]);
    const r = await runCli(['verify', '-m', m, '--audit', '--quiet']);
    expect(r.code).toBe(1);
    const out = r.stdout.toString().split('\n').filter(Boolean);
    expect(out).toContain('gone.bin: MISSING');
    expect(out).toContain('sub/extra.bin: NEW');
    // The other manifests in the folder are files the manifest does not list, too; the manifest itself is not.
    expect(out).not.toContain('missing.sums: NEW');
    expect(out.filter((l) => l.endsWith(': OK'))).toEqual([]);
    const j = JSON.parse((await runCli(['verify', '-m', m, '--audit', '--json'])).stdout.toString());
    expect(j.verified).toBe(false);
    expect(j.summary.missing).toBe(1);
    expect(j.files.find((x: { name: string }) => x.name === 'a.bin')).toMatchObject({
      status: 'OK',
      computed: { md5: hex('md5', A), sha256: hex('sha256', A), xxh64: A_XXH64 },
    });
  });

  it('hashdeep files: size and hash columns, relative and absolute names', async () => {
    const hd = (name: string, rows: string[]) =>
      manifest(name, ['%%%% HASHDEEP-1.0', '%%%% size,md5,sha256,filename', '## Invoked from: ' + dir, '## # hashdeep -c md5,sha256 -r -l .', '## ', ...rows]);
    const good = hd('good.hashdeep', [
      `${A.length},${hex('md5', A)},${hex('sha256', A)},./a.bin`,
      `${B.length},${hex('md5', B)},${hex('sha256', B)},${path.join(dir, 'sub', 'b.bin')}`,
    ]);
    const r = await runCli(['verify', '-m', good]);
    expect([r.code, r.stdout.toString()]).toEqual([0, `./a.bin: OK\n${path.join(dir, 'sub', 'b.bin')}: OK\n`]);
    const bad = hd('bad.hashdeep', [`${A.length + 1},${hex('md5', A)},${hex('sha256', A)},./a.bin`, `${B.length},${flip(hex('md5', B))},${hex('sha256', B)},sub/b.bin`]);
    const r2 = await runCli(['verify', '-m', bad]);
    expect(r2.code).toBe(1);
    expect(r2.stdout.toString()).toContain(`./a.bin: FAILED\n  size: expected ${A.length + 1}, actual ${A.length}\n`);
    expect(r2.stdout.toString()).toContain(`sub/b.bin: FAILED\n  md5 expected ${flip(hex('md5', B))}\n  md5 computed ${hex('md5', B)}\n`);
  });

  it('improperly formatted lines: a warning on stderr (exit 0), --strict fails', async () => {
    const m = manifest('junk.sums', ['not a checksum line', ...goodLines()]);
    const r = await runCli(['verify', '-m', m]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1 line is improperly formatted (line 1)');
    expect((await runCli(['verify', '-m', m, '--strict'])).code).toBe(1);
  });

  it('a manifest that cannot be read: exit 2, one line', async () => {
    const r = await runCli(['verify', '-m', path.join(dir, 'none.sums')]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    const empty = manifest('empty.sums', ['']);
    const e = await runCli(['verify', '-m', empty]);
    expect(e.code).not.toBe(0);
    expect(isOneLineError(e.stderr)).toBe(true);
  });
});

describe.runIf(hasSharedCorpus())('vmfskit verify inside a VMFS-5 LUN image', () => {
  it('names are paths in the volume folder; MISSING and NEW named (README: file4 "content\\n", file5 8192 "a" + "\\n")', async () => {
    const lun = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const m = manifest('esx.md5', [
      `${hex('md5', 'content\n')}  file4`,
      `${hex('md5', 'a'.repeat(8192) + '\n')}  file5`,
      `${hex('md5', '')}  file1`,
      `${hex('md5', '')}  not-there`,
    ]);
    const r = await runCli(['verify', '-m', m, `${lun}::/directory`, '--audit']);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe('file4: OK\nfile5: OK\nfile1: OK\nnot-there: MISSING\nfile2: NEW\nfile3: NEW\n');
    // The same names from the volume root, as paths.
    const m2 = manifest('esx-root.md5', [`${hex('md5', 'content\n')}  directory/file4`, `${hex('md5', 'a'.repeat(8192) + '\n')}  /directory/file5`]);
    const r2 = await runCli(['verify', '-m', m2, lun]);
    expect([r2.code, r2.stdout.toString()]).toEqual([0, 'directory/file4: OK\n/directory/file5: OK\n']);
  });

  it('names as md5sum on ESXi prints them (/vmfs/volumes/<label or uuid>/…, the label holding a space) map onto this volume', async () => {
    const lun = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const m = manifest('esx-abs.md5', [
      `${hex('md5', 'content\n')}  /vmfs/volumes/VMFS5 Test/directory/file4`,
      `${hex('md5', 'a'.repeat(8192) + '\n')}  /vmfs/volumes/61137dd5-df6bc2c8-f0e7-000c29801686/directory/file5`,
      `${hex('md5', '')}  /vmfs/volumes/VMFS6 Test/directory/file1`,
    ]);
    const r = await runCli(['verify', '-m', m, lun]);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe(
      [
        '/vmfs/volumes/VMFS5 Test/directory/file4: OK',
        '/vmfs/volumes/61137dd5-df6bc2c8-f0e7-000c29801686/directory/file5: OK',
        '/vmfs/volumes/VMFS6 Test/directory/file1: MISSING',
        "  on datastore 'VMFS6 Test', not this volume (label 'VMFS5 Test', uuid 61137dd5-df6bc2c8-f0e7-000c29801686)",
        '',
      ].join('\n'),
    );
  });
});
