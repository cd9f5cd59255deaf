/**
 * `vmfskit hash` end to end. Expected digests come from node:crypto over
 * the same bytes (an independent code path: no workers, no read pipeline),
 * xxh64 values from xxhsum 0.8.1 (recorded), and the raw-content sha256
 * values the shared corpus README gives for real VMware images.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratch, hasSharedCorpus, SHARED_CORPUS } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { digestHex as hex } from './helpers/hash.js';
import { pattern } from './hash-pattern.js';
import { parseXml, findAll, child } from './hash-xml.js';


let dir: string;
let pat1: string;
let sparse: string;
let sparseBytes: Buffer;
const PAT1 = pattern(3158093);
// `xxhsum -H1 pat1.bin` (xxhsum 0.8.1) on pattern(3158093).
const PAT1_XXH64 = 'a1f611829a245f2c';

beforeAll(() => {
  dir = scratch('hash-cli');
  pat1 = path.join(dir, 'pat1.bin');
  writeFileSync(pat1, PAT1);
  // A host file with holes: data at 0, 5 MiB and in the last 100 bytes of 40 MiB
  // (above the size where hashing moves to worker threads).
  sparse = path.join(dir, 'sparse.bin');
  const size = 40 << 20;
  sparseBytes = Buffer.alloc(size);
  const fd = openSync(sparse, 'w');
  ftruncateSync(fd, size);
  for (const [off, len, seed] of [[0, 4096, 1], [5 << 20, 1 << 20, 2], [size - 100, 100, 3]] as const) {
    const p = pattern(len, seed);
    writeSync(fd, p, 0, len, off);
    p.copy(sparseBytes, off);
  }
  closeSync(fd);
});

describe('vmfskit hash', () => {
  it('several algorithms: BSD tag lines, one per algorithm, equal to node:crypto and xxhsum', async () => {
    const r = await runCli(['hash', '-a', 'md5,sha1,sha256,sha512,xxh64', pat1]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(
      [
        `MD5 (${pat1}) = ${hex('md5', PAT1)}`,
        `SHA1 (${pat1}) = ${hex('sha1', PAT1)}`,
        `SHA256 (${pat1}) = ${hex('sha256', PAT1)}`,
        `SHA512 (${pat1}) = ${hex('sha512', PAT1)}`,
        `XXH64 (${pat1}) = ${PAT1_XXH64}`,
        '',
      ].join('\n'),
    );
  });

  it('one algorithm: md5sum-compatible HEX␠␠NAME lines, several files in order', async () => {
    const r = await runCli(['hash', '-a', 'sha256', pat1, sparse]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${hex('sha256', PAT1)}  ${pat1}\n${hex('sha256', sparseBytes)}  ${sparse}\n`);
  });

  it('a sparse host file hashes as its bytes (holes as zeros), with and without worker threads', async () => {
    for (const threads of ['1', '2']) {
      const r = await runCli(['hash', '--threads', threads, '-a', 'md5,sha1', '--json', sparse]);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout.toString());
      expect(j.images[0].hashes).toEqual({ md5: hex('md5', sparseBytes), sha1: hex('sha1', sparseBytes) });
      expect(j.images[0]['virtual-size']).toBe(40 << 20);
      // Holes come from the map (SEEK_DATA): only the data extents are read.
      expect(j.images[0]['bytes-read']).toBeLessThan(4 << 20);
    }
  });

  it('a name with a backslash or newline is escaped as coreutils does', async () => {
    const odd = path.join(dir, 'a\\b\nc');
    writeFileSync(odd, 'x');
    const r = await runCli(['hash', '-a', 'md5', odd]);
    expect(r.stdout.toString()).toBe(`\\${hex('md5', Buffer.from('x'))}  ${odd.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`);
  });

  it('--window: piecewise digests with byte and 512-byte sector ranges', async () => {
    const w = 1 << 20;
    const r = await runCli(['hash', '-a', 'md5,sha256', '--window', '1M', '--json', pat1]);
    expect(r.code).toBe(0);
    const img = JSON.parse(r.stdout.toString()).images[0];
    expect(img.windows).toHaveLength(4);
    img.windows.forEach((win: { offset: number; length: number; 'first-sector': number; 'last-sector': number; hashes: Record<string, string> }, i: number) => {
      const part = PAT1.subarray(i * w, (i + 1) * w);
      expect(win.offset).toBe(i * w);
      expect(win.length).toBe(part.length);
      expect(win['first-sector']).toBe((i * w) / 512);
      expect(win['last-sector']).toBe(Math.ceil((i * w + part.length) / 512) - 1);
      expect(win.hashes).toEqual({ md5: hex('md5', part), sha256: hex('sha256', part) });
    });
    expect(img.hashes.md5).toBe(hex('md5', PAT1));
    // Text form: dc3dd-style '#' comment lines after the check lines.
    const t = await runCli(['hash', '-a', 'md5', '--window', '1M', pat1]);
    const lines = t.stdout.toString().split('\n');
    expect(lines[0]).toBe(`${hex('md5', PAT1)}  ${pat1}`);
    expect(lines[2]).toBe(`#    ${hex('md5', PAT1.subarray(0, w))}, bytes 0 - ${w - 1}, sectors 0 - 2047`);
    expect(lines[5]).toBe(`#    ${hex('md5', PAT1.subarray(3 * w))}, bytes ${3 * w} - ${PAT1.length - 1}, sectors 6144 - 6168`);
  });

  it('--dfxml writes a well-formed DFXML document with the same hashes, refuses to overwrite without --force', async () => {
    const out = path.join(dir, 'report.xml');
    const r = await runCli(['hash', '-a', 'md5,sha1', '--window', '2M', '--dfxml', out, pat1, sparse]);
    expect(r.code).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const doc = parseXml(readFileSync(out, 'utf8'));
    expect(doc.name).toBe('dfxml');
    const creator = child(doc, 'creator');
    expect(child(creator, 'program').text).toBe('vmfskit');
    expect(child(child(creator, 'execution_environment'), 'command_line').text).toContain('--dfxml');
    expect(child(child(creator, 'execution_environment'), 'start_time').text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(findAll(child(doc, 'source'), 'image_filename').map((e) => e.text)).toEqual([pat1, sparse]);
    const objs = findAll(doc, 'fileobject');
    expect(objs.map((o) => child(o, 'filename').text)).toEqual([pat1, sparse]);
    expect(child(objs[0]!, 'filesize').text).toBe(String(PAT1.length));
    const top = objs[1]!.children.filter((c) => c.name === 'hashdigest');
    expect(top.map((h) => [h.attrs.type, h.text])).toEqual([
      ['md5', hex('md5', sparseBytes)],
      ['sha1', hex('sha1', sparseBytes)],
    ]);
    const runs = findAll(objs[0]!, 'byte_run');
    expect(runs.map((b) => [b.attrs.file_offset, b.attrs.len])).toEqual([
      ['0', String(2 << 20)],
      [String(2 << 20), String(PAT1.length - (2 << 20))],
    ]);
    expect(findAll(runs[1]!, 'hashdigest')[0]!.text).toBe(hex('md5', PAT1.subarray(2 << 20)));

    const again = await runCli(['hash', '-a', 'md5', '--dfxml', out, pat1]);
    expect(again.code).toBe(2);
    expect(isOneLineError(again.stderr)).toBe(true);
    expect(again.stderr).toContain('already exists');
    expect(again.stdout.length).toBe(0);
    const forced = await runCli(['hash', '-a', 'md5', '--force', '--dfxml', out, pat1]);
    expect(forced.code).toBe(0);
    expect(findAll(parseXml(readFileSync(out, 'utf8')), 'fileobject')).toHaveLength(1);
  });

  it('one unreadable file among others: the others are hashed, one error line, exit 2, no DFXML', async () => {
    const missing = path.join(dir, 'missing.raw');
    const report = path.join(dir, 'partial-report.xml');
    const r = await runCli(['hash', '-a', 'md5', '--dfxml', report, pat1, missing, sparse]);
    expect(r.code).toBe(2);
    expect(r.stdout.toString()).toBe(`${hex('md5', PAT1)}  ${pat1}\n${hex('md5', sparseBytes)}  ${sparse}\n`);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([`vmfskit: ${missing}: cannot open: no such file or directory`, `vmfskit: ${report}: not written: 1 object(s) could not be hashed`]);
    expect(existsSync(report)).toBe(false);
  });

  it('--progress draws on stderr only; stdout keeps just the result', async () => {
    const r = await runCli(['hash', '--progress', '-a', 'md5', sparse]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe(`${hex('md5', sparseBytes)}  ${sparse}\n`);
    expect(r.stderr).toMatch(/^\r.* \/ 40\.00 MiB \(/);
  });

  it('bad input: one line on stderr, exit 2, nothing on stdout', async () => {
    for (const args of [
      ['hash', path.join(dir, 'nope.raw')],
      ['hash', '-a', 'md5,crc32', pat1],
      ['hash', '--window', '1000', pat1],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stdout.length).toBe(0);
    }
  });
});

describe.runIf(hasSharedCorpus())('vmfskit hash on real VMware images', () => {
  const RS = path.join(SHARED_CORPUS, 'vmdk', 'vmdk-rs');
  // Raw-content sha256 from the shared corpus README (qemu-img convert -O raw | sha256sum).
  const A3 = 'a3bcf05f07a1c06a3380eeca8571f0efb2b85afafa1e21662b8cad436d1f7727';

  it('VMDKs hash as their virtual disk', async () => {
    const names = ['monolithicSparse.vmdk', 'streamOptimized.vmdk', 'twoGbMaxExtentSparse.vmdk', 'vmfs_thick.vmdk'].map((n) => path.join(RS, n));
    const r = await runCli(['hash', '-a', 'sha256', ...names]);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString().trim().split('\n')).toEqual([
      `${A3}  ${names[0]}`,
      `${A3}  ${names[1]}`,
      `${A3}  ${names[2]}`,
      `8d43c795d24bce01b49f92744f934c1072210dcac170bb1c83a5aa56df46ab7d  ${names[3]}`,
    ]);
  });

  it('--container hashes the VMDK file itself', async () => {
    const f = path.join(RS, 'streamOptimized.vmdk');
    const r = await runCli(['hash', '--container', '-a', 'md5,sha256', '--json', f]);
    expect(JSON.parse(r.stdout.toString()).images[0].hashes).toEqual({ md5: hex('md5', readFileSync(f)), sha256: hex('sha256', readFileSync(f)) });
  });

  it('files inside a VMFS-5 volume hash as their bytes (README: file4 = "content\\n", file5 = 8192 × "a" + "\\n")', async () => {
    const lun = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const f4 = `${lun}::/directory/file4`;
    const f5 = `${lun}::/directory/file5`;
    const f1 = `${lun}::/directory/file1`;
    const r = await runCli(['hash', '-a', 'md5', f4, f5, f1]);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe(
      `${hex('md5', Buffer.from('content\n'))}  ${f4}\n${hex('md5', Buffer.from('a'.repeat(8192) + '\n'))}  ${f5}\n${hex('md5', Buffer.alloc(0))}  ${f1}\n`,
    );
  });

  it('thin and lazy-zeroed files of the ESX VMFS-3 volume: zeros from the map are hashed without reading them', async () => {
    const lun = await gunzipCached(path.join(SHARED_CORPUS, 'vmfs', 'esx-vmfs3-toto.bin.gz'));
    // vmfs/SOURCES.md: every -flat.vmdk reads as 200 MiB of zeros, md5 3566de3a… (debugvmfs and a scratch reader).
    const ZEROS_200M = '3566de3a97906edb98d004d6b947ae9b';
    const names = ['thin.vmdk', 'thin-flat.vmdk', 'zeroedthick-flat.vmdk'].map((n) => `${lun}::/${n}`);
    const r = await runCli(['hash', '-a', 'md5', '--json', ...names]);
    expect(r.stderr).toBe('');
    const imgs = JSON.parse(r.stdout.toString()).images;
    for (const img of imgs) {
      expect(img.hashes.md5).toBe(ZEROS_200M);
      expect(img['virtual-size']).toBe(209715200);
      // One allocated 1 MiB file block each; the rest are holes / to-be-zeroed blocks.
      expect(img['bytes-read']).toBeLessThanOrEqual(1 << 20);
    }
    // The descriptor file's own bytes: `debugvmfs toto.bin cat /thin.vmdk | md5sum` (vmfs-tools 0.2.5), recorded.
    const c = await runCli(['hash', '--container', '-a', 'md5', names[0]!]);
    expect(c.stdout.toString()).toBe(`819615542514b6651344510982fac169  ${names[0]}\n`);
  });
});
