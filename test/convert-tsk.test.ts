/**
 * The Sleuth Kit on our output: convert the corpus/tsk VMDKs (sparse and
 * stream) to raw and to a split set, then mmls and fls must find the
 * partition table and the file names recorded in MANIFEST "tsk" (recorded
 * by build-tsk.sh from qemu-img's raw).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs shared with the corpus builder and the oracle check (no types)
import { mmls, fls } from '../corpus/tsk/tsk-tools.mjs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { sha256File } from './helpers/hash.js';
import { requireTools, TSK } from './helpers/tools.js';
import { extractCase, type CorpusCase } from './helpers/corpus.js';
import { scratchCleaned } from './helpers/scratch.js';
import { readSection } from '../corpus/builders/manifest.js';

const tmpDir = scratchCleaned();

interface TskSection {
  cases: Record<string, CorpusCase & { sha256: string; virtualSize: number }>;
  mmls: { table: string; sectorSize?: number; partitions: Array<{ slot: string; start: number; end: number; length: number; description: string }> };
  fls: Record<string, string[]>;
}

const section = readSection<TskSection>('tsk')!;

describe.runIf(requireTools(...TSK))('The Sleuth Kit reads vmfskit convert output', () => {
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
