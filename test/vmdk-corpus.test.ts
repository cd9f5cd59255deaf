/**
 * Differential test of the VMDK reader against the oracle results recorded
 * in corpus/MANIFEST ("vmdk" section, built by corpus/build-vmdk.sh with
 * qemu-img, qemu-io and vmdkinfo). For every case the real CLI is run as a
 * user would run it:
 *   vmfskit cat       → sha256 and length equal the recorded raw content
 *   vmfskit map --json → same zero/data ranges, answered by the same chain layer, as `qemu-img map`
 *   vmfskit info --json → virtual-size, create-type, cid, parent-cid, cluster-size as `qemu-img info`
 * and, independently of every reader, the recorded sha256 of each case built
 * from pure pattern data is checked against the generator itself.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { extractCase, caseEntry, listCases, type VmdkCase } from './helpers/corpus.js';
import { runCli } from './helpers/cli.js';
import { sha256 } from './helpers/hash.js';
import { generatePattern } from '../corpus/builders/pattern.js';

interface RecordedVmdkCase extends VmdkCase {
  patternSeed?: number;
}

type Run = { start: number; length: number; zero: boolean; depth: number };

const CASES = listCases('vmdk');

/** Accept the map JSON as qemu-img prints it (start/length/zero/data) or as device runs (offset/length/kind). */
function reduceMap(json: unknown): Run[] {
  const list = Array.isArray(json) ? json : ((json as { map?: unknown; runs?: unknown }).map ?? (json as { runs?: unknown }).runs);
  if (!Array.isArray(list)) throw new Error(`map --json: no run list in ${JSON.stringify(json).slice(0, 200)}`);
  const runs: Run[] = [];
  for (const r of list as Array<Record<string, unknown>>) {
    const start = Number(r.start ?? r.offset);
    const length = Number(r.length);
    const zero = r.kind !== undefined ? r.kind === 'zero' : r.zero === true || r.data === false;
    const depth = Number(r.depth ?? 0);
    const last = runs[runs.length - 1];
    if (last && last.zero === zero && last.depth === depth && last.start + last.length === start) last.length += length;
    else runs.push({ start, length, zero, depth });
  }
  return runs;
}

/** stderr may carry warnings (a renamed file is reported, for one); nothing else. */
function onlyWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('vmfskit: warning: '));
}

/** A key of `info --json`, wherever the qemu-img layout puts it (top level, format-specific.data, or first layer). */
function infoField(info: Record<string, unknown>, key: string): unknown {
  const fs = info['format-specific'] as { data?: Record<string, unknown> } | undefined;
  const layers = info.layers as Array<Record<string, unknown>> | undefined;
  return info[key] ?? fs?.data?.[key] ?? layers?.[0]?.[key];
}

describe('VMDK corpus: recorded results come from the pattern generator (no reader involved)', () => {
  for (const name of CASES) {
    const c = caseEntry<RecordedVmdkCase>('vmdk', name);
    if (c.patternSeed === undefined) continue;
    it(`${name}: sha256 of pattern(${c.virtualSize}, seed ${c.patternSeed}) is the recorded one`, () => {
      const h = createHash('sha256');
      generatePattern(c.virtualSize, c.patternSeed!, (grain) => h.update(grain));
      expect(h.digest('hex')).toBe(c.sha256);
    });
  }
});

describe('VMDK corpus: vmfskit against the recorded qemu-img / vmdkinfo results', () => {
  for (const name of CASES) {
    describe(name, () => {
      it('cat: raw content has the recorded length and sha256', async () => {
        const c = await extractCase<RecordedVmdkCase>('vmdk', name);
        const r = await runCli(['cat', c.entry]);
        expect(onlyWarnings(r.stderr)).toEqual([]);
        expect(r.code).toBe(0);
        expect(r.stdout.length).toBe(c.manifest.virtualSize);
        expect(sha256(r.stdout)).toBe(c.manifest.sha256);
      });

      it('map --json: zero/data ranges and answering layer agree with qemu-img map', async () => {
        const c = await extractCase<RecordedVmdkCase>('vmdk', name);
        const r = await runCli(['map', '--json', c.entry]);
        expect(onlyWarnings(r.stderr)).toEqual([]);
        expect(r.code).toBe(0);
        expect(reduceMap(JSON.parse(r.stdout.toString('utf8')))).toEqual(c.manifest.map);
      });

      it('info --json: virtual-size, create-type, cid, parent-cid, cluster-size agree with qemu-img info', async () => {
        const c = await extractCase<RecordedVmdkCase>('vmdk', name);
        const r = await runCli(['info', '--json', c.entry]);
        expect(onlyWarnings(r.stderr)).toEqual([]);
        expect(r.code).toBe(0);
        const info = JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
        const want = c.manifest.info;
        expect({
          'virtual-size': infoField(info, 'virtual-size'),
          'create-type': infoField(info, 'create-type'),
          cid: infoField(info, 'cid'),
          'parent-cid': infoField(info, 'parent-cid'),
          'cluster-size': infoField(info, 'cluster-size'),
        }).toEqual({
          'virtual-size': c.manifest.virtualSize,
          'create-type': want['create-type'],
          cid: want.cid,
          'parent-cid': want['parent-cid'],
          // qemu-img gives no cluster size for flat disks
          'cluster-size': want['cluster-size'],
        });
        // libvmdk, where it reads the image, agrees on the size
        if (c.manifest.vmdkinfoMediaSize !== null) expect(c.manifest.vmdkinfoMediaSize).toBe(c.manifest.virtualSize);
      });
    });
  }
});
