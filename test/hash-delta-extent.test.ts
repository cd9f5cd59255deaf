/**
 * A snapshot's delta extent named on its own (x-000001-delta.vmdk COWD,
 * x-000001-sesparse.vmdk SESparse), without the descriptor that links it to
 * its parent: hash, cat, convert and info treat it as the file it is (its
 * bytes, as md5sum on ESXi reads it) and name the descriptor that opens the
 * snapshot's disk. Expected bytes are the files the sample LUN was built
 * from (deltas are stored unchanged), digests from node:crypto.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildDeltaCorpus } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume } from '../corpus/builders/delta-vmfs.js';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratchCleaned } from './helpers/scratch.js';
import { digestHex, sha256 } from './helpers/hash.js';
import { readSection } from '../corpus/builders/manifest.js';
import type { DeltasSection } from '../corpus/builders/delta-chains.js';

const scratch = scratchCleaned();
let work: string;
const fileSha = (rel: string): string => sha256(readFileSync(path.join(work, 'chains', rel)));
const note = (addr: string, kind: string, rest: string): string =>
  `vmfskit: note: ${addr} is a ${kind} delta extent, hashed as its file bytes (as md5sum on ESXi); ${rest}\n`;

beforeAll(async () => {
  work = scratch('hash-delta-extent');
  buildDeltaCorpus(path.join(work, 'chains'));
  await buildDeltaVolume(path.join(work, 'chains'), path.join(work, 'lun.img'));
});

describe('hash: a delta extent named on its own', () => {
  it('inside the LUN image, COWD and SESparse: the file bytes, and a note naming the descriptor to hash; exit 0', async () => {
    const r = await runCli(['hash', '-a', 'sha256', 'lun.img::/VM/VM-000001-delta.vmdk', 'lun.img::/SE/SE-000002-sesparse.vmdk', 'lun.img::/VM/VM-000001.vmdk'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(
      [
        `${fileSha('VM/VM-000001-delta.vmdk')}  lun.img::/VM/VM-000001-delta.vmdk`,
        `${fileSha('SE/SE-000002-sesparse.vmdk')}  lun.img::/SE/SE-000002-sesparse.vmdk`,
        // The descriptor is still the snapshot's disk.
        `${readSection<DeltasSection>('deltas')!.states.find((s) => s.id === 'VM@1')!.sha256}  lun.img::/VM/VM-000001.vmdk`,
        '',
      ].join('\n'),
    );
    expect(r.stderr.toString()).toBe(
      note('lun.img::/VM/VM-000001-delta.vmdk', 'COWD', "hash lun.img::/VM/VM-000001.vmdk for the snapshot's disk") +
        note('lun.img::/SE/SE-000002-sesparse.vmdk', 'SESparse', "hash lun.img::/SE/SE-000002.vmdk for the snapshot's disk"),
    );
  });

  it('--json carries the note; the size is the file size', async () => {
    const r = await runCli(['hash', '--json', '-a', 'md5,sha256', 'lun.img::/VM/VM-000002-delta.vmdk'], { cwd: work });
    expect(r.code).toBe(0);
    const img = JSON.parse(r.stdout.toString()).images[0];
    const data = readFileSync(path.join(work, 'chains', 'VM', 'VM-000002-delta.vmdk'));
    expect(img).toMatchObject({
      filename: 'lun.img::/VM/VM-000002-delta.vmdk',
      kind: 'vmfs-file',
      note: "lun.img::/VM/VM-000002-delta.vmdk is a COWD delta extent, hashed as its file bytes (as md5sum on ESXi); hash lun.img::/VM/VM-000002.vmdk for the snapshot's disk",
      'virtual-size': data.length,
      hashes: { md5: digestHex('md5', data), sha256: sha256(data) },
    });
  });

  it('a host copy: the same bytes and note; a delta copied without its descriptor says none names it', async () => {
    const r = await runCli(['hash', '-a', 'sha256', 'chains/VM/VM-000002-delta.vmdk'], { cwd: work });
    expect([r.code, r.stdout.toString()]).toEqual([0, `${fileSha('VM/VM-000002-delta.vmdk')}  chains/VM/VM-000002-delta.vmdk\n`]);
    expect(r.stderr.toString()).toBe(note('chains/VM/VM-000002-delta.vmdk', 'COWD', "hash chains/VM/VM-000002.vmdk for the snapshot's disk"));
    mkdirSync(path.join(work, 'alone'));
    copyFileSync(path.join(work, 'chains', 'SE', 'SE-000001-sesparse.vmdk'), path.join(work, 'alone', 'SE-000001-sesparse.vmdk'));
    const a = await runCli(['hash', '-a', 'sha256', 'alone/SE-000001-sesparse.vmdk'], { cwd: work });
    expect([a.code, a.stdout.toString()]).toEqual([0, `${fileSha('SE/SE-000001-sesparse.vmdk')}  alone/SE-000001-sesparse.vmdk\n`]);
    expect(a.stderr.toString()).toBe(note('alone/SE-000001-sesparse.vmdk', 'SESparse', 'no descriptor in its folder names it'));
  });
});

describe('cat, convert and info agree: a lone delta extent is a file', () => {
  it('cat and convert give the file bytes (what hash hashed), not the delta over zeros', async () => {
    const c = await runCli(['cat', 'lun.img::/VM/VM-000001-delta.vmdk'], { cwd: work });
    expect(c.code).toBe(0);
    expect(sha256(c.stdout)).toBe(fileSha('VM/VM-000001-delta.vmdk'));
    const out = path.join(work, 'delta.raw');
    const v = await runCli(['convert', 'lun.img::/SE/SE-000001-sesparse.vmdk', out], { cwd: work });
    expect(v.code).toBe(0);
    expect(sha256(readFileSync(out))).toBe(fileSha('SE/SE-000001-sesparse.vmdk'));
  });

  it('info says what it is and names the descriptor (text and --json)', async () => {
    const size = readFileSync(path.join(work, 'chains', 'VM', 'VM-000001-delta.vmdk')).length;
    const t = await runCli(['info', 'lun.img::/VM/VM-000001-delta.vmdk'], { cwd: work });
    expect([t.code, t.stdout.toString()]).toEqual([
      0,
      [
        'image: lun.img::/VM/VM-000001-delta.vmdk',
        'file format: vmdk COWD delta extent, named without its descriptor: read as its file bytes',
        `file size: ${size} bytes`,
        "descriptor: lun.img::/VM/VM-000001.vmdk (info on it shows the snapshot's disk)",
        '',
      ].join('\n'),
    ]);
    const j = await runCli(['info', '--json', 'lun.img::/SE/SE-000002-sesparse.vmdk'], { cwd: work });
    expect(JSON.parse(j.stdout.toString())).toEqual({
      filename: 'lun.img::/SE/SE-000002-sesparse.vmdk',
      format: 'vmdk',
      'delta-extent': 'SESparse',
      'file-size': readFileSync(path.join(work, 'chains', 'SE', 'SE-000002-sesparse.vmdk')).length,
      descriptors: ['lun.img::/SE/SE-000002.vmdk'],
    });
  });
});

describe('hash --help and --threads', () => {
  it('ADDR is required with no default; --threads is documented', async () => {
    const r = await runCli(['hash', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.toString();
    expect(help).toContain('  addr  what to hash (ADDR)  [array] [required]\n');
    expect(help).not.toContain('[default: []]');
    expect(help).toMatch(/^ {6}--threads {9}most threads hashing the algorithms side by side .*\[number\]$/m);
  });

  it('--threads must be a whole number of at least 1: exit 2, one line', async () => {
    for (const t of ['0', '1.5']) {
      const r = await runCli(['hash', '--threads', t, path.join(work, 'lun.img')]);
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr.toString())).toBe(true);
      expect(r.stderr.toString()).toBe(`vmfskit: --threads must be a whole number of at least 1 (got ${t})\n`);
    }
  });
});
