/**
 * What the examiner sees on a damaged image, end to end: damaged sparse and
 * stream VMDKs through the real CLI (info, map, cat, hash, convert). Every run
 * ends in data or in exactly one `vmfskit: ` line with a documented exit
 * status — no stack trace, no second line, no hang — and a failed convert
 * leaves no file under the final name. Complements the API fuzzers, which only
 * check the kind of error. Fixed seed.
 */
import { expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { buildSparse, buildStream, damager, pattern } from './vmdk-images.js';

const COMMANDS = [['info'], ['map', '--json'], ['cat'], ['hash', '-a', 'md5'], ['convert']];

it('damaged VMDKs through the CLI: data, or one line and exit 2/3/4 (25 mutations × 5 commands)', async () => {
  const dir = scratch('cli-fuzz');
  const grains = new Map([0, 1, 2, 5, 9, 31].map((i) => [i, pattern(i, 65536)]));
  const bases = [buildSparse({ name: 'f.vmdk', grains }).file, buildStream({ name: 'f.vmdk', grains, footer: true }).file];
  const damage = damager(424242, 3);
  const bad: string[] = [];
  let failures = 0;
  for (let i = 0; i < 25; i++) {
    const b = damage(bases[i % bases.length]!);
    writeFileSync(path.join(dir, 'f.vmdk'), b);
    for (const cmd of COMMANDS) {
      const out = path.join(dir, 'out.raw');
      const args = [...cmd, path.join(dir, 'f.vmdk'), ...(cmd[0] === 'convert' ? [out] : [])];
      const r = await runCli(args, { timeoutMs: 60_000 });
      const stderr = r.stderr.toString();
      const what = `mutation ${i}, ${cmd.join(' ')}: exit ${r.code} signal ${r.signal}: ${stderr.slice(0, 300)}`;
      if (r.signal !== null) bad.push(what);
      else if (r.code === 0) {
        // Success may carry warnings, but never a stack trace.
        if (/\n\s+at /.test(stderr)) bad.push(what);
      } else {
        failures++;
        if (![2, 3, 4].includes(r.code!) || !isOneLineError(stderr)) bad.push(what);
        if (cmd[0] === 'convert' && (existsSync(out) || existsSync(`${out}.partial`))) bad.push(`${what} (left ${out} or its .partial)`);
      }
      // Whatever a conversion left (the output, or a .partial after a crash) is gone before the next.
      for (const f of readdirSync(dir)) if (f !== 'f.vmdk') rmSync(path.join(dir, f));
    }
  }
  expect(bad).toEqual([]);
  // The damage must have been seen: a fuzzer whose images all read fine tests nothing.
  expect(failures).toBeGreaterThan(10);
}, 600_000);
