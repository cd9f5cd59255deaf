/**
 * Older Nodes (Debian 12 / Ubuntu 24.04 ship 18.19-18.20, Ubuntu 22.04 ships 12): the CRC-32
 * stand-in for zlib.crc32 (Node >= 20.15 only) and bin/vmfskit's one-line answers. The commands
 * themselves under Debian's own Node 18 are checked by scripts/clean-machine-test.sh.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { tableCrc32 } from '../src/partition/crc32.js';
import { runProcess } from './helpers/proc.js';
import { BIN, ROOT, scratch } from './helpers/paths.js';
import { isOneLineError } from './helpers/cli.js';

const nodeCrc32 = (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32;

describe('CRC-32 without zlib.crc32', () => {
  it('equals zlib.crc32 on empty, short and random buffers, and when continued', () => {
    expect(tableCrc32(new Uint8Array(0))).toBe(0);
    // The check value of CRC-32/ISO-HDLC (the catalogue's "123456789" test vector).
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    for (const n of [1, 92, 16384, 100_003]) {
      const b = randomBytes(n);
      expect(tableCrc32(b)).toBe(nodeCrc32(b));
      expect(tableCrc32(b.subarray(n >> 1), tableCrc32(b.subarray(0, n >> 1)))).toBe(nodeCrc32(b));
    }
  });
});

describe('bin/vmfskit started the old way', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

  it('under a Node older than engines: one line naming both versions and the executable, exit 2', async () => {
    const dir = scratch('old-node');
    const fake = path.join(dir, 'fake-version.cjs');
    writeFileSync(fake, "Object.defineProperty(process.versions, 'node', { value: '16.20.2' });\n");
    const r = await runProcess(process.execPath, ['-r', fake, BIN, 'info', 'x.img'], { input: Buffer.alloc(0), timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    const floor = /\d+(\.\d+)?/.exec(pkg.engines.node)![0];
    expect(r.stderr).toContain(`needs Node.js ${floor} or later, found v16.20.2`);
    expect(r.stderr).toContain(`vmfskit-linux-x64`);
    expect(r.stderr).toContain(`vmfskit_${pkg.version}_amd64.deb`);
    expect(r.stdout.length).toBe(0);
  });

  it('in a checkout whose dist/ was never built: one line saying how to build it, exit 2', async () => {
    const dir = scratch('no-dist');
    mkdirSync(path.join(dir, 'bin'));
    for (const f of ['vmfskit', 'package.json']) copyFileSync(path.join(ROOT, 'bin', f), path.join(dir, 'bin', f));
    copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    const r = await runProcess(process.execPath, [path.join(dir, 'bin', 'vmfskit'), 'info', 'x.img'], { input: Buffer.alloc(0), timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain('is not built');
    expect(r.stderr).toContain('npm run build');
  });
});
