/**
 * `vmfskit cat` of a file in VMFS moves its data runs with sendfile(2) (src/cli/cat.ts) and
 * writes holes and to-be-zeroed blocks as zeros: the bytes must be those of the read path
 * whatever stdout is — a pipe, a new file, a file opened for appending (which sendfile refuses,
 * so the read path takes over), /dev/null. Plus the parse that skips yargs for plain
 * invocations must give what yargs gives.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';
import { openAddress } from '../src/open.js';
import { plainArgs } from '../src/cli/common-options.js';
import { runCli } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';
import { runProcess } from './helpers/proc.js';
import { scratchCleaned } from './helpers/scratch.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1 << 20;
const dir = scratchCleaned()('cli-cat-kernel');
const lun = path.join(dir, 'lun.img');
const FILES = ['/thick.bin', '/thin-holes.bin', '/lazy-tbz.bin', '/resident.txt', '/sub.bin', '/empty'];
const want = new Map<string, string>();

beforeAll(async () => {
  const pattern = (seed: number, length: number) => ({ kind: 'pattern' as const, seed, length });
  await buildVmfs5(
    {
      label: 'KCAT',
      createTime: 1_700_000_000,
      uuidSeed: 77,
      root: [
        { type: 'file', name: 'thick.bin', provisioning: 'thick', content: pattern(1, 3 * MiB + 12345) },
        { type: 'file', name: 'thin-holes.bin', provisioning: 'thin', size: 6 * MiB + 7, pieces: [{ offset: 2 * MiB + 100, content: pattern(2, MiB) }, { offset: 5 * MiB, content: pattern(3, 4321) }] },
        { type: 'file', name: 'lazy-tbz.bin', provisioning: 'lazy', size: 4 * MiB, pieces: [{ offset: MiB, content: pattern(4, 1000) }] },
        { type: 'file', name: 'resident.txt', content: { kind: 'text', text: 'resident bytes\n' } },
        { type: 'file', name: 'sub.bin', addressing: 'subblock', content: pattern(5, 5000) },
        { type: 'file', name: 'empty', content: { kind: 'zeros', length: 0 } },
      ],
    },
    lun,
  );
  for (const f of FILES) {
    const o = await openAddress(`${lun}::${f}`);
    const b = Buffer.alloc(o.device.size);
    await o.device.read(b, 0);
    await o.close();
    want.set(f, sha256(b));
  }
}, 120_000);

/** Run `vmfskit cat` with stdout on `fd`. */
async function catTo(addr: string, fd: number): Promise<{ code: number | null; stderr: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'cat', addr], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, VMFSKIT_QUIET_NATIVE: '1' } });
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('cat of files in VMFS, by sendfile', () => {
  it('to a pipe: the read path\'s bytes (thick, thin holes, TBZ, resident, sub-block, empty)', async () => {
    for (const f of FILES) {
      const r = await runCli(['cat', `${lun}::${f}`]);
      expect({ f, code: r.code, stderr: r.stderr, sha256: sha256(r.stdout) }).toEqual({ f, code: 0, stderr: '', sha256: want.get(f) });
    }
  }, 120_000);

  it('to a new file, to a file opened for appending, and to /dev/null', async () => {
    for (const f of FILES) {
      const out = path.join(dir, 'out.bin');
      const fd = openSync(out, 'w');
      const r = await catTo(`${lun}::${f}`, fd);
      closeSync(fd);
      expect({ f, ...r, sha256: sha256(readFileSync(out)) }).toEqual({ f, code: 0, stderr: '', sha256: want.get(f) });

      writeFileSync(out, 'before\n');
      const afd = openSync(out, 'a');
      const a = await catTo(`${lun}::${f}`, afd);
      closeSync(afd);
      const got = readFileSync(out);
      expect({ f, ...a, head: got.subarray(0, 7).toString(), sha256: sha256(got.subarray(7)) }).toEqual({ f, code: 0, stderr: '', head: 'before\n', sha256: want.get(f) });

      const nfd = openSync('/dev/null', 'w');
      expect(await catTo(`${lun}::${f}`, nfd)).toEqual({ code: 0, stderr: '' });
      closeSync(nfd);
    }
  }, 120_000);

  it('a reader that goes away (| head -c) ends it quietly', async () => {
    const r = await runProcess('bash', ['-c', `"${process.execPath}" "${BIN}" cat "${lun}::/thick.bin" | head -c 1000 | wc -c; exit "\${PIPESTATUS[0]}"`]);
    expect({ code: r.code, out: r.stdout.toString().trim(), stderr: r.stderr.toString() }).toEqual({ code: 0, out: '1000', stderr: '' });
  }, 60_000);
});

describe('plain invocations parsed without yargs', () => {
  const switches = { long: 'l', recursive: 'R', all: 'a', json: '' };
  const viaYargs = (tokens: string[]) => {
    const y = yargs(tokens).option('long', { alias: 'l', type: 'boolean' }).option('recursive', { alias: 'R', type: 'boolean' }).option('all', { alias: 'a', type: 'boolean' }).option('json', { type: 'boolean' });
    const a = y.parseSync() as Record<string, unknown>;
    const pos = a._ as string[];
    return { addr: pos.length === 1 ? String(pos[0]) : undefined, long: !!a.long, recursive: !!a.recursive, all: !!a.all, json: !!a.json };
  };

  it('gives what yargs gives, or leaves the line to yargs', () => {
    const lines = [['x.img'], ['-l', 'x.img'], ['-lR', 'lun::/a b'], ['x.img', '-R', '--json'], ['--long', '--recursive', '--all', 'x'], ['-Ral', 'y'], ['-l', '-R', 'lun.img::/many']];
    for (const t of lines) {
      const p = plainArgs(t, 'addr', switches)!;
      expect(p, t.join(' ')).toBeDefined();
      expect({ addr: p.addr, long: !!p.long, recursive: !!p.recursive, all: !!p.all, json: !!p.json }, t.join(' ')).toEqual(viaYargs(t));
    }
    const left = [[], ['-l'], ['a', 'b'], ['--help', 'x'], ['-h', 'x'], ['--version'], ['-x', 'a'], ['--partition', '2', 'a'], ['--', 'a'], ['-', 'a'], ['-l', '-l', 'a'], ['--long=true', 'a'], ['--no-long', 'a'], ['', 'a'], ['-lx', 'a']];
    for (const t of left) expect(plainArgs(t, 'addr', switches), t.join(' ')).toBeUndefined();
  });
});
