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
import { readFileSync } from 'node:fs';
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

/** The KDMV header fields these checks need (vmdk-format.md §3.1). */
function kdmv(file: Buffer, at = 0) {
  return {
    magic: file.toString('latin1', at, at + 4),
    version: file.readUInt32LE(at + 4),
    flags: file.readUInt32LE(at + 8),
    numGTEsPerGT: file.readUInt32LE(at + 44),
    gdOffset: file.readBigUInt64LE(at + 56),
  };
}

/** Every GTE of a hosted sparse file with a valid header gdOffset, or of a footer's. */
function grainTableEntries(file: Buffer, gdOffset: number, gdEntries: number, perGT: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < gdEntries; i++) {
    const gt = file.readUInt32LE(gdOffset * 512 + i * 4);
    for (let j = 0; j < perGT; j++) out.push(gt === 0 ? 0 : file.readUInt32LE(gt * 512 + j * 4));
  }
  return out;
}

// The cases must really have the structures they are meant to exercise (checked from the format reference, not by a reader).
describe('VMDK corpus: the cases have the layout they claim', () => {
  it('vmware-stream: GD_AT_END header, footer marker + footer + EOS at the end, empty middle grain table not written', async () => {
    const c = await extractCase<RecordedVmdkCase>('vmdk', 'vmware-stream');
    const f = readFileSync(c.entry);
    const h = kdmv(f);
    expect([h.magic, h.version, h.flags, h.gdOffset]).toEqual(['KDMV', 3, 0x30001, 0xffffffffffffffffn]);
    const end = f.length;
    expect([f.readBigUInt64LE(end - 1536), f.readUInt32LE(end - 1528), f.readUInt32LE(end - 1524)]).toEqual([1n, 0, 3]);
    const footer = kdmv(f, end - 1024);
    expect(footer.magic).toBe('KDMV');
    expect(f.subarray(end - 512).every((b) => b === 0)).toBe(true);
    const gd = Number(footer.gdOffset);
    // GD marker right before the GD: val = GD sectors (1), size 0, type 2
    expect([f.readBigUInt64LE((gd - 1) * 512), f.readUInt32LE((gd - 1) * 512 + 8), f.readUInt32LE((gd - 1) * 512 + 12)]).toEqual([1n, 0, 2]);
    const gdEntries = Math.ceil(c.manifest.virtualSize / 512 / (128 * 512));
    const gds = Array.from({ length: gdEntries }, (_, i) => f.readUInt32LE(gd * 512 + i * 4));
    expect(gds.map((e) => e !== 0)).toEqual([true, false, true]);
  });

  it('zeroed-grain and chain-child1: version 2, flag bit 2, and zeroed-grain GTEs (1) present', async () => {
    for (const name of ['zeroed-grain', 'chain-child1']) {
      const c = await extractCase<RecordedVmdkCase>('vmdk', name);
      const f = readFileSync(c.entry);
      const h = kdmv(f);
      expect([h.version, h.flags & 4]).toEqual([2, 4]);
      const gtes = grainTableEntries(f, Number(h.gdOffset), 1, h.numGTEsPerGT);
      expect(gtes.filter((e) => e === 1).length).toBeGreaterThan(0);
    }
  });
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
