/**
 * The fuzzer in CI: a fixed-seed sample of every format (test/fuzz/targets),
 * through the real runner (forked workers, CPU-time watchdog, RSS limit), in
 * bounded time. Any crash, hang or blow-up fails the test with the command
 * that reproduces it. Full runs: npm run fuzz (results in test/fuzz/RESULTS.md).
 * Every failure the fuzzer found is a regression case below, regenerated from
 * its format, seed and case number.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from './helpers/proc.js';
import { hasSharedCorpus, ROOT, scratch } from './helpers/paths.js';
import { TARGETS, targetNamed } from './fuzz/targets/index.js';
import { runCase } from './fuzz/run-case.js';
import { CACHE } from './fuzz/seeds.js';

const SAMPLE = 60;

describe.runIf(hasSharedCorpus())('fuzz sample', () => {
  it(`${SAMPLE} cases of every format (seed 20261204): no crash, no hang, no blow-up`, async () => {
    const json = path.join(scratch('fuzz-sample'), 'r.json');
    const r = await runProcess(process.execPath, [path.join(ROOT, 'dist/test/fuzz/main.js'), '--seed', '20261204', '--cases', String(SAMPLE), '--jobs', '2', '--quiet', '--json', json], { timeoutMs: 170_000 });
    const out = r.stdout.toString();
    expect(r.code, out + r.stderr.toString()).toBe(0);
    const all = JSON.parse(readFileSync(json, 'utf8')) as Array<{ format: string; cases: number; data: number; errors: number; findings: unknown[] }>;
    expect(all.map((s) => s.format)).toEqual(TARGETS.map((t) => t.name));
    for (const s of all) {
      expect({ format: s.format, cases: s.cases, findings: s.findings }).toEqual({ format: s.format, cases: SAMPLE, findings: [] });
      // The damage reaches both outcomes for the damaged formats: a fuzzer whose cases all pass or all fail tests little.
      if (s.format !== 'inventory') expect(s.errors, s.format).toBeGreaterThan(0);
      expect(s.data, s.format).toBeGreaterThan(0);
    }
  }, 180_000);

  // Findings of recorded runs (test/fuzz/RESULTS.md), each regenerated from format + seed + case.
  const REGRESSIONS: Array<[format: string, seed: number, index: number, why: string]> = [
    ['vmdk-descriptor', 1, 188, '20 000 extent lines naming one sparse file: > 5 s CPU (issue 15 a)'],
    ['vmfs5', 1, 3633, 'FD length 2^64-2: RangeError from the device layer'],
    ['vmfs5', 1, 3533, 'a directory entry name with a newline: a two-line error message'],
    ['vmfs5', 1, 4250, 'a directory entry name with control characters in the error message'],
  ];
  for (const [format, seed, index, why] of REGRESSIONS) {
    it(`regression: ${format} --seed ${seed} --case ${index} (${why}) is a clean result in under 5 s`, async () => {
      const t = targetNamed(format);
      const fx = await t.setup(t.shared ? await t.shared(CACHE) : null, CACHE);
      const t0 = performance.now();
      const v = await runCase(fx, format, seed, index, scratch(`fuzz-regression-${format}`));
      expect(v.kind, `${v.what}: ${v.message}`).not.toBe('crash');
      expect(performance.now() - t0).toBeLessThan(5000);
    });
  }
});
