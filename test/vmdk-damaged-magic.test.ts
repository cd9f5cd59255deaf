/**
 * Issue 15 (b): a VMDK whose magic is damaged but whose header is otherwise
 * whole used to read silently as its container bytes (exit 0): hash and
 * convert gave the file, not the disk. Now every command that reads it says
 * what it recognised, in one line, exit 3, and --container reads the file's
 * own bytes on purpose. Built on the VMware-made monolithicSparse sample.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCowdFile } from '../corpus/builders/cowd-writer.js';
import { isOneLineError, runCli } from './helpers/cli.js';
import { hasSharedCorpus, scratch, SHARED_CORPUS } from './helpers/paths.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe.runIf(hasSharedCorpus())('a VMDK with a damaged magic', () => {
  const good = () => readFileSync(path.join(SHARED_CORPUS, 'vmdk/vmdk-rs/monolithicSparse.vmdk'));

  for (const byte of [0, 3]) {
    it(`hosted sparse, magic byte ${byte} changed: info, map, cat, hash, convert refuse it in one line (exit 3); --container reads the file`, async () => {
      const dir = scratch('damaged-magic');
      const b = good();
      b[byte] ^= 0x20;
      const f = path.join(dir, 'd.vmdk');
      writeFileSync(f, b);
      for (const args of [['info', f], ['map', f], ['cat', f], ['hash', '-a', 'md5', f], ['convert', f, path.join(dir, 'out.raw')]]) {
        const r = await runCli(args);
        const err = r.stderr.toString();
        expect({ args, code: r.code }).toEqual({ args, code: 3 });
        expect(isOneLineError(err)).toBe(true);
        expect(err).toContain(`${f}: first sector at byte 0 (0x0): looks like a damaged VMDK: a hosted sparse VMDK header (version 1, capacity 20480 sectors, grain 128 sectors) with magic 0x`);
        expect(err).toContain('--container');
      }
      expect(existsSync(path.join(dir, 'out.raw'))).toBe(false);
      const cat = await runCli(['cat', '--container', f]);
      expect(cat.code).toBe(0);
      expect(md5(cat.stdout)).toBe(md5(b));
      const hash = await runCli(['hash', '-a', 'md5', '--container', f]);
      expect(hash.stdout.toString()).toBe(`${md5(b)}  ${f}\n`);
    });
  }

  it('magic zeroed and the newline-check bytes kept: still recognised; the embedded descriptor alone is recognised too', async () => {
    const dir = scratch('damaged-magic-2');
    const b = good();
    b.fill(0, 0, 4);
    writeFileSync(path.join(dir, 'a.vmdk'), b);
    const r = await runCli(['info', path.join(dir, 'a.vmdk')]);
    expect(r.code).toBe(3);
    expect(r.stderr.toString()).toContain('looks like a damaged VMDK: a hosted sparse VMDK header');
    // Whole first sector gone: the descriptor text at sector 1 still tells.
    b.fill(0, 0, 512);
    writeFileSync(path.join(dir, 'b.vmdk'), b);
    const r2 = await runCli(['cat', path.join(dir, 'b.vmdk')]);
    expect(r2.code).toBe(3);
    expect(r2.stderr.toString()).toContain('looks like a damaged VMDK: VMDK descriptor text at byte 512 (an embedded descriptor) behind magic 0x00000000');
  });

  it('a COWD delta with one magic byte changed is refused; a raw file and a guest disk read as bytes as before', async () => {
    const dir = scratch('damaged-magic-3');
    const cowd = path.join(dir, 'x-delta.vmdk');
    writeCowdFile(cowd, { capacityBytes: 1 << 20, grains: new Map([[3, Buffer.alloc(512, 9)]]) });
    const c = readFileSync(cowd);
    c[3] = 0x45;
    writeFileSync(cowd, c);
    const r = await runCli(['hash', '-a', 'md5', cowd]);
    expect(r.code).toBe(3);
    expect(r.stderr.toString()).toContain('looks like a damaged VMDK: a COWD delta header (version 1) with magic 0x45574f43, not "COWD"');
    // Not VMDK-like at all: bytes, exit 0.
    const raw = Buffer.alloc(1 << 20);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
    writeFileSync(path.join(dir, 'disk.raw'), raw);
    const h = await runCli(['hash', '-a', 'md5', path.join(dir, 'disk.raw')]);
    expect(h.code).toBe(0);
    expect(h.stdout.toString().split(' ')[0]).toBe(md5(raw));
  });

  it('descriptor text without its version line is parsed as a descriptor (it names the problem) instead of read as text', async () => {
    const dir = scratch('damaged-magic-4');
    const text = readFileSync(path.join(SHARED_CORPUS, 'vmdk/vmdk-rs/monolithicFlat.vmdk'), 'utf8').replace('version=1\n', '');
    writeFileSync(path.join(dir, 'd.vmdk'), text);
    const r = await runCli(['cat', path.join(dir, 'd.vmdk')]);
    expect(r.code).toBe(3);
    expect(r.stderr.toString()).toContain('not a VMDK descriptor: no "version=" line');
  });
});
