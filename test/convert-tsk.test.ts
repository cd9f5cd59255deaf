/**
 * The Sleuth Kit on our output: convert the corpus/tsk VMDKs (sparse and
 * stream) to raw and to a split set, then mmls and fls must find the
 * partition table and the file names recorded in MANIFEST "tsk" (recorded
 * by build-tsk.sh from qemu-img's raw).
 */
import { describe, expect, it, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
// @ts-expect-error plain .mjs shared with the corpus builder and the oracle check (no types)
import { mmls, fls } from '../corpus/tsk/tsk-tools.mjs';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { sha256File } from './helpers/hash.js';
import { extractCase, type CorpusCase } from './helpers/corpus.js';
import { readSection } from '../corpus/builders/manifest.js';

/** Scratch folders of this file, removed when it is done (outputs here are large, if mostly holes). */
const made: string[] = [];
function tmpDir(name: string): string {
  const d = scratch(name);
  made.push(d);
  return d;
}
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface TskSection {
  cases: Record<string, CorpusCase & { sha256: string; virtualSize: number }>;
  mmls: { table: string; sectorSize?: number; partitions: Array<{ slot: string; start: number; end: number; length: number; description: string }> };
  fls: Record<string, string[]>;
}

/** mmls and fls are required under CI (installed there); elsewhere the test is skipped and says so. */
function hasTsk(): boolean {
  const ok = spawnSync('mmls', ['-V']).status === 0 && spawnSync('fls', ['-V']).status === 0;
  if (!ok && process.env.CI) throw new Error('CI is set but The Sleuth Kit (mmls, fls) is not installed');
  return ok;
}

const section = readSection<TskSection>('tsk')!;

describe.runIf(hasTsk())('The Sleuth Kit reads vmfskit convert output', () => {
  it('MANIFEST records the known files', () => {
    expect(section.fls['2048']).toContain('r/r DOCS/REPORT.TXT');
    expect(section.fls['14336']).toContain('r/r evidence/deep/leaf.txt');
  });

  for (const name of Object.keys(section.cases).sort()) {
    it(`${name}: raw and split raw give the recorded mmls table and fls names`, async () => {
      const c = await extractCase<TskSection['cases'][string]>('tsk', name);
      const dir = tmpDir(`convert-tsk-${name}`);
      const raw = path.join(dir, 'disk.raw');
      const r = await runCli(['convert', c.entry, raw]);
      expect(r.code).toBe(0);
      expect(await sha256File(raw)).toBe(c.manifest.sha256);
      const s = await runCli(['convert', '--split', '5M', c.entry, path.join(dir, 'disk.split')]);
      expect(s.code).toBe(0);
      for (const image of [raw, path.join(dir, 'disk.split.001')]) {
        expect(mmls(image)).toEqual({ table: section.mmls.table, partitions: section.mmls.partitions });
        for (const [sector, names] of Object.entries(section.fls)) expect(fls(image, sector)).toEqual(names);
      }
    });
  }
});
