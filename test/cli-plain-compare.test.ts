/**
 * `compare A B` with no options skips yargs (as plain `cat`/`ls` do): it must
 * answer exactly what the yargs path answers — same output, same exit status —
 * and anything else (an option, one or three positionals) still goes to yargs.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { plainArgs } from '../src/cli/common-options.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { pattern } from './hash-pattern.js';

describe('plain compare', () => {
  it('plainArgs takes exactly the positionals, in order, and nothing else', () => {
    expect(plainArgs(['x', 'y'], ['a', 'b'])).toEqual({ a: 'x', b: 'y' });
    for (const t of [['x'], ['x', 'y', 'z'], ['-s', 'x', 'y'], ['x', '--max-diffs', '3', 'y'], ['--', 'x', 'y'], []]) expect(plainArgs(t, ['a', 'b']), t.join(' ')).toBeUndefined();
  });

  it('the plain and the yargs path print the same for identical and differing files', async () => {
    const dir = scratch('plain-compare');
    const a = pattern(300_000);
    const b = Buffer.from(a);
    b[70_000] ^= 1;
    b[250_001] ^= 1;
    writeFileSync(path.join(dir, 'a'), a);
    writeFileSync(path.join(dir, 'same'), a);
    writeFileSync(path.join(dir, 'b'), b);
    for (const other of ['same', 'b']) {
      const plain = await runCli(['compare', 'a', other], { cwd: dir });
      const viaYargs = await runCli(['compare', '--max-diffs', '10', 'a', other], { cwd: dir });
      expect({ code: plain.code, out: plain.stdout.toString(), err: plain.stderr }).toEqual({ code: viaYargs.code, out: viaYargs.stdout.toString(), err: viaYargs.stderr });
      expect(plain.code).toBe(other === 'same' ? 0 : 1);
    }
    const one = await runCli(['compare', 'a'], { cwd: dir });
    expect({ code: one.code, err: one.stderr }).toEqual({ code: 2, err: "vmfskit: Not enough non-option arguments: got 1, need at least 2\nTry 'vmfskit --help'.\n" });
  });
});
