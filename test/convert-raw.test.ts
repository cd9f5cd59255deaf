/**
 * convert on host raw files (no VMDK reader needed): exact bytes, holes,
 * split sets, stdout, refusals, signals, hashes. Expected values come from
 * the source bytes themselves and node:crypto, never from vmfskit.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';
import { digestHex, sha256, sha256File, sha256Files } from './helpers/hash.js';
import { scratchCleaned } from './helpers/scratch.js';

const tmpDir = scratchCleaned();

const MiB = 1 << 20;
let dir: string;
let src: string;
let srcSha: string;
let srcMd5: string;
/** Bytes of the source that are not zero (rounded to 4 KiB blocks). */
const DATA = 3 * MiB + 8192;

beforeAll(() => {
  dir = tmpDir('convert-raw');
  src = path.join(dir, 'src.raw');
  // 40 MiB, fully allocated on disk: zeros are written, not left as holes,
  // so any hole in the output comes from zero detection.
  const buf = Buffer.alloc(40 * MiB);
  for (let i = 0; i < 2 * MiB; i++) buf[i] = (i * 7 + 3) & 0xff || 1; // 2 MiB of data at 0
  buf.fill(0x5a, 10 * MiB, 11 * MiB); // 1 MiB at 10 MiB
  buf.fill(0x01, 20 * MiB, 20 * MiB + 8192); // 8 KiB at 20 MiB
  buf[40 * MiB - 1] = 0; // ends in zeros: the exact size must come from ftruncate
  writeFileSync(src, buf);
  srcSha = sha256(buf);
  srcMd5 = digestHex('md5', buf);
});

function allocated(file: string): number {
  return statSync(file).blocks * 512;
}

describe('convert host raw', () => {
  it('writes the same bytes, sparse: zero runs become holes', async () => {
    const out = path.join(dir, 'sparse.raw');
    const r = await runCli(['convert', src, out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(out).size).toBe(40 * MiB);
    expect(await sha256File(out)).toBe(srcSha);
    expect(allocated(out)).toBeGreaterThanOrEqual(DATA);
    expect(allocated(out)).toBeLessThan(DATA + MiB);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('-S 0 writes every byte (fully allocated)', async () => {
    const out = path.join(dir, 'full.raw');
    const r = await runCli(['convert', '-S', '0', src, out]);
    expect(r.code).toBe(0);
    expect(await sha256File(out)).toBe(srcSha);
    expect(allocated(out)).toBeGreaterThanOrEqual(40 * MiB);
  });

  it('-S 16M leaves only the zero runs of 16 MiB or more as holes, across read boundaries', async () => {
    const out = path.join(dir, 's16.raw');
    const r = await runCli(['convert', '-S', '16M', '-O', 'raw', src, out]);
    expect(r.code).toBe(0);
    expect(await sha256File(out)).toBe(srcSha);
    // Zero stretches: 2–10 MiB (8 MiB) and 11–20 MiB (9 MiB) are written; 20 MiB + 8 KiB → 40 MiB
    // (just under 20 MiB, across several 4 MiB reads) is the only one long enough for a hole.
    expect(allocated(out)).toBeGreaterThanOrEqual(20 * MiB + 8192);
    expect(allocated(out)).toBeLessThan(21 * MiB);
  });

  it('--split: NAME.001 … each exactly SIZE except the last, concatenating to the same bytes', async () => {
    const out = path.join(dir, 'split.raw');
    const r = await runCli(['convert', '--split', '15M', src, out]);
    expect(r.code).toBe(0);
    const pieces = readdirSync(dir).filter((f) => f.startsWith('split.raw')).sort();
    expect(pieces).toEqual(['split.raw.001', 'split.raw.002', 'split.raw.003']);
    expect(pieces.map((p) => statSync(path.join(dir, p)).size)).toEqual([15 * MiB, 15 * MiB, 10 * MiB]);
    expect(await sha256Files(pieces.map((p) => path.join(dir, p)))).toBe(srcSha);
    expect(allocated(path.join(dir, 'split.raw.002'))).toBeLessThan(MiB); // only the 8 KiB at 20 MiB
  });

  it('- writes to stdout, zeros included, equal to the file output', async () => {
    const r = await runCli(['convert', src, '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(40 * MiB);
    expect(sha256(r.stdout)).toBe(srcSha);
  });

  it('a closed pipe on stdout is a quiet end', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn('bash', ['-c', `'${process.execPath}' '${BIN}' convert '${src}' - | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('close', () => resolve({ code: Number(out.trim()), stderr: err }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('--hash: md5sum-compatible lines of the written bytes, and in --json', async () => {
    const out = path.join(dir, 'hashed.raw');
    const r = await runCli(['convert', '--hash', 'md5,sha256', src, out]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${srcMd5}  ${out}\n${srcSha}  ${out}\n`);
    const j = await runCli(['convert', '--hash', 'sha256', '--json', '--split', '32M', src, path.join(dir, 'hj.raw')]);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout.toString());
    expect(doc.hashes).toEqual({ sha256: srcSha });
    expect(doc['virtual-size']).toBe(40 * MiB);
    expect(doc.files).toEqual([path.join(dir, 'hj.raw.001'), path.join(dir, 'hj.raw.002')]);
    expect(doc['written-bytes'] + doc['hole-bytes']).toBe(40 * MiB);
    // Data on stdout: the hash line goes to stderr.
    const s = await runCli(['convert', '--hash', 'md5', src, '-']);
    expect(s.stderr).toBe(`${srcMd5}  -\n`);
  });

  it('refuses an existing output without --force and leaves it untouched', async () => {
    const out = path.join(dir, 'exists.raw');
    writeFileSync(out, 'precious');
    const before = statSync(out);
    const r = await runCli(['convert', src, out]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toBe(`vmfskit: ${out}: output exists; use --force to replace it\n`);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(statSync(out).mtimeMs).toBe(before.mtimeMs);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const f = await runCli(['convert', '--force', src, out]);
    expect(f.code).toBe(0);
    expect(await sha256File(out)).toBe(srcSha);
  });

  it('refuses when any split piece exists, and under --force removes stale higher pieces', async () => {
    const out = path.join(dir, 'stale.raw');
    for (const n of ['002', '004', '006']) writeFileSync(`${out}.${n}`, 'old');
    const r = await runCli(['convert', '--split', '15M', src, out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stale\.raw\.002: output exists/);
    expect(readFileSync(`${out}.002`, 'utf8')).toBe('old');
    // .004 follows our three pieces directly: TSK would read it as ours.
    const f = await runCli(['convert', '--split', '15M', '--force', src, out]);
    expect(f.code).toBe(0);
    expect(existsSync(`${out}.004`)).toBe(false);
    expect(readFileSync(`${out}.006`, 'utf8')).toBe('old'); // after a gap (.005): TSK stops before it
  });

  it('refuses an output that is an input file, even with --force', async () => {
    const link = path.join(dir, 'hardlink.raw');
    linkSync(src, link);
    const r = await runCli(['convert', '--force', src, link]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vmfskit: ${link}: is the input file ${src}: refusing to overwrite evidence\n`);
    expect(await sha256File(src)).toBe(srcSha);
  });

  it('refuses non-raw output formats and unknown input formats clearly', async () => {
    const q = await runCli(['convert', '-O', 'qcow2', src, path.join(dir, 'q')]);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/^vmfskit: -O qcow2: vmfskit converts to raw only/);
    const f = await runCli(['convert', '-f', 'vmdk', src, path.join(dir, 'q')]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/-f vmdk: this is not a VMDK/);
    expect(existsSync(path.join(dir, 'q'))).toBe(false);
  });

  it('--progress draws on stderr and clears the line at the end', async () => {
    const r = await runCli(['convert', '--progress', src, path.join(dir, 'progress.raw')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\r.*MiB \/ 40\.00 MiB \(\d+\.\d%\) .*\/s {2}ETA /);
    expect(r.stderr).toMatch(/\r +\r$/);
    const q = await runCli(['convert', '-q', '--progress', src, path.join(dir, 'quiet.raw')]);
    expect(q.stderr).toBe('');
  });
});

describe('convert interrupted', () => {
  let big: string;
  beforeAll(() => {
    // 64 GiB of holes: with -S 0 every byte must be written, so the copy runs long enough to be stopped.
    big = path.join(dir, 'zero64g.raw');
    closeSync(openSync(big, 'w'));
    truncateSync(big, 64 * 2 ** 30);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} removes the partial output and exits ${code}`, async () => {
      const out = path.join(dir, `killed-${signal}.raw`);
      const child = spawn(process.execPath, [BIN, 'convert', '-S', '0', big, out], { env: { ...process.env, VMFSKIT_QUIET_NATIVE: '1' } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // Wait until it is writing, then stop it.
      const t0 = Date.now();
      while (!(existsSync(`${out}.partial`) && statSync(`${out}.partial`).size > 0) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(`${out}.partial`)).toBe(true);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(stderr).toBe(`vmfskit: ${out}: interrupted by ${signal}; removed the partial output (${out}.partial)\n`);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    });
  }

  it('SIGKILL (no chance to clean up): nothing under the final name; the next run names the leftover .partial', async () => {
    const out = path.join(dir, 'killed-SIGKILL.raw');
    const child = spawn(process.execPath, [BIN, 'convert', '-S', '0', big, out], { env: { ...process.env, VMFSKIT_QUIET_NATIVE: '1' } });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, sig) => resolve(sig)));
    const t0 = Date.now();
    while (!(existsSync(`${out}.partial`) && statSync(`${out}.partial`).size > 0) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(true);
    const again = await runCli(['convert', big, out]);
    expect(again.code).toBe(2);
    expect(again.stderr.toString()).toBe(`vmfskit: ${out}.partial: a partial output of another conversion is here (running, or killed); remove it or use --force\n`);
    expect(existsSync(out)).toBe(false);
    // --force clears the leftover and converts (sparse: 64 GiB of holes, no blocks).
    const forced = await runCli(['convert', '--force', big, out]);
    expect(forced.code).toBe(0);
    expect(statSync(out).size).toBe(64 * 2 ** 30);
    expect(statSync(out).blocks).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    rmSync(out);
  });
});
