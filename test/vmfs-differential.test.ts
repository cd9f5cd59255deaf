/**
 * Differential test against the VMFS-5 builder (corpus/builders/vmfs5, whose
 * volumes corpus/build-vmfs.sh checks with debugvmfs): every file's
 * metadata, every data piece's sha256, holes/TBZ as zero runs, absolute
 * ESXi symlinks, a spanned volume read across both LUNs, and extract.
 * (GPT/MBR-wrapped builder volumes are read in test/vmfs-builder.test.ts.)
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildVmfs5, type BuildResult } from '../corpus/builders/vmfs5/index.js';
import { corpusVolumes } from '../corpus/builders/vmfs5/volumes.js';
import { openVolume } from '../src/open.js';
import type { VmfsVolume } from '../src/vmfs/index.js';
import { isOneLineError, runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const WHOLE_READ_LIMIT = 64 << 20;

async function build(name: string, dir: string): Promise<BuildResult> {
  const v = corpusVolumes().find((x) => x.name === name)!;
  return buildVmfs5(v.spec, path.join(dir, name));
}

/** Compare every file the builder wrote with what the reader sees. */
async function differential(vol: VmfsVolume, built: BuildResult): Promise<string[]> {
  const problems: string[] = [];
  for (const f of built.files) {
    const st = await vol.stat(f.path);
    // The builder calls `.sdd.sf` a system file; it is a directory (mode 040700), as dissect and vmfs-format.md §11 say.
    const type = f.type === 'system' && (f.mode & 0o170000) === 0o040000 ? 'dir' : f.type;
    const want = { type, size: f.size, mtime: f.mtime, fd: f.fdAddress, nlink: f.nlink, uid: f.uid, gid: f.gid, perm: f.mode & 0o7777, target: f.symlinkTarget };
    const got = { type: st.type, size: st.size, mtime: st.mtime, fd: st.fdAddress, nlink: st.nlink, uid: st.uid, gid: st.gid, perm: st.mode & 0o7777, target: st.symlinkTarget };
    if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`${f.path}: metadata ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
    if (type !== 'file' && type !== 'system') continue;
    const dev = await vol.openFile(f.path);
    const runs = await dev.map(0, dev.size);
    const pieces = f.pieceHashes();
    for (const p of pieces) {
      const b = Buffer.alloc(p.length);
      await dev.read(b, p.offset);
      if (sha256(b) !== p.sha256) problems.push(`${f.path}: bytes ${p.offset}+${p.length} differ`);
      // A zero run inside written data is only right where that data is zeros (the builder's 'sparse' files keep all-zero blocks as holes).
      for (const r of runs) {
        const s = Math.max(r.offset, p.offset);
        const e = Math.min(r.offset + r.length, p.offset + p.length);
        if (r.kind === 'zero' && e > s && !b.subarray(s - p.offset, e - p.offset).every((x) => x === 0)) problems.push(`${f.path}: bytes ${s}–${e} map as zero but hold data`);
      }
    }
    if (f.size <= WHOLE_READ_LIMIT && f.type === 'file') {
      const b = Buffer.alloc(f.size);
      await dev.read(b, 0);
      if (sha256(b) !== f.sha256()) problems.push(`${f.path}: whole-file sha256 differs`);
    }
    // Thin holes and to-be-zeroed blocks must map as zero: data runs never exceed the blocks the builder allocated as plain data.
    const dataBytes = runs.filter((r) => r.kind === 'data').reduce((a, r) => a + r.length, 0);
    if (f.addressing !== 'resident' && f.addressing !== 'subblock' && dataBytes > (f.blocks - f.tbzBlocks) * (1 << 20)) {
      problems.push(`${f.path}: ${dataBytes} data bytes mapped, only ${f.blocks - f.tbzBlocks} plain blocks allocated`);
    }
  }
  return problems;
}

describe('VMFS-5 builder volumes, read back', () => {
  let dir = '';
  const built: Record<string, BuildResult> = {};
  beforeAll(async () => {
    dir = scratch('vmfs-diff');
    built.vm = await build('vmfs5-vm.img', dir);
    built.span = await build('vmfs5-spanned.img', dir);
  });

  it('vm volume: every file, every addressing mode, holes and TBZ; absolute /vmfs/volumes/<uuid>/ symlinks; RDM', async () => {
    const vol = await openVolume(built.vm!.images[0]!.path);
    try {
      expect(await differential(vol, built.vm!)).toEqual([]);
      // Each addressing mode is present in what was compared.
      expect([...new Set(built.vm!.files.map((f) => f.addressing))]).toEqual(expect.arrayContaining(['resident', 'subblock', 'direct', 'indirect', 'double']));
      const zeros = async (p: string) => (await (await vol.openFile(p)).map(0, 1 << 62)).filter((r) => r.kind === 'zero').reduce((a, r) => a + r.length, 0);
      const lazy = built.vm!.files.find((f) => f.path === '/shapes/lazy-zeroed-6MiB')!;
      expect(await zeros('/shapes/lazy-zeroed-6MiB')).toBeGreaterThanOrEqual(lazy.tbzBlocks << 20);
      expect(lazy.tbzBlocks).toBeGreaterThan(0);
      const viaLink = await vol.openFile('/VM/absolute-link');
      const direct = await vol.openFile('/VM/VM.vmdk');
      expect(viaLink.size).toBe(direct.size);
      const a = Buffer.alloc(direct.size);
      const b = Buffer.alloc(direct.size);
      await viaLink.read(a, 0);
      await direct.read(b, 0);
      expect(a.equals(b)).toBe(true);
      await expect(vol.openFile('/shapes/dangling')).rejects.toThrow(/no such file or directory/);
      const rdm = await vol.stat('/VM/VM_2-rdm.vmdk');
      expect(rdm.type).toBe('rdm');
      expect(rdm.details!.rdmId).toBe('naa.6000c29123456789abcdef0123456789');
      await expect(vol.openFile('/VM/VM_2-rdm.vmdk')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    } finally {
      await vol.close();
    }
  });

  it('spanned volume: read across both LUNs with --extent; without it the missing member is named', async () => {
    const [lun0, lun1] = built.span!.images.map((i) => i.path);
    const vol = await openVolume(lun0!, { extents: [lun1!] });
    try {
      expect(await differential(vol, built.span!)).toEqual([]);
    } finally {
      await vol.close();
    }
    const r = await runCli(['ls', `${lun0}::/`]);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/spanned volume member missing: the volume has 2 devices, 1 given/);
    const ok = await runCli(['cat', '--extent', lun1!, `${lun0}::/big/crosses-luns.bin`]);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    const f = built.span!.files.find((x) => x.path === '/big/crosses-luns.bin')!;
    expect(sha256(ok.stdout)).toBe(f.sha256());
  });

  it('extract keeps bytes, holes, modes and mtimes; refuses to overwrite; keeps symlinks inside DESTDIR only', async () => {
    const dest = scratch('vmfs-extract');
    const img = built.vm!.images[0]!.path;
    const r = await runCli(['extract', `${img}::/shapes`, dest]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    for (const f of built.vm!.files.filter((x) => x.path.startsWith('/shapes/') && x.type === 'file' && x.size <= WHOLE_READ_LIMIT)) {
      const host = path.join(dest, f.path);
      const st = statSync(host);
      expect([f.path, st.size, st.mode & 0o7777, Math.floor(st.mtimeMs / 1000)]).toEqual([f.path, f.size, f.mode & 0o7777, f.mtime]);
      expect(sha256(readFileSync(host))).toBe(f.sha256());
    }
    // A 20 MiB file with a few MiB of data stays sparse on the host.
    const holes = statSync(path.join(dest, 'shapes/holes-20MiB'));
    expect(holes.blocks * 512).toBeLessThan(holes.size / 2);
    expect(readlinkSync(path.join(dest, 'shapes/link-to-direct'))).toBe('direct-8193');
    expect(Math.floor(statSync(path.join(dest, 'shapes')).mtimeMs / 1000)).toBe(built.vm!.files.find((x) => x.path === '/shapes')!.mtime);
    const again = await runCli(['extract', `${img}::/shapes/direct-8193`, path.join(dest, 'shapes')]);
    expect(again.code).toBe(2);
    expect(isOneLineError(again.stderr)).toBe(true);
    expect(again.stderr).toMatch(/direct-8193: exists \(use --force to overwrite\)/);
    const forced = await runCli(['extract', '--force', `${img}::/shapes/direct-8193`, path.join(dest, 'shapes')]);
    expect(forced.code).toBe(0);
    // The absolute ESXi link would point outside DESTDIR: not created, a warning instead.
    const vmDest = scratch('vmfs-extract-vm');
    const vm = await runCli(['extract', `${img}::/VM`, vmDest]);
    expect(vm.code).toBe(0);
    expect(vm.stderr).toMatch(/absolute-link: symbolic link to '\/vmfs\/volumes\/[^']+' points outside the destination, not created/);
    expect(vm.stderr).toMatch(/VM_2-rdm\.vmdk: raw device mapping/);
    expect(() => lstatSync(path.join(vmDest, 'VM/absolute-link'))).toThrow();
  });

  it('extract: a leftover .partial is not overwritten without --force; --progress draws on stderr only', async () => {
    const dest = scratch('vmfs-extract-partial');
    const img = built.vm!.images[0]!.path;
    const f = built.vm!.files.find((x) => x.path === '/shapes/direct-8193')!;
    writeFileSync(path.join(dest, 'direct-8193.partial'), 'not ours');
    const r = await runCli(['extract', `${img}::/shapes/direct-8193`, dest]);
    expect(r.code).toBe(2);
    expect(r.stderr.toString()).toBe(`vmfskit: ${path.join(dest, 'direct-8193.partial')}: a partial file is in the way (an earlier extraction was killed?); remove it or use --force\n`);
    expect(readFileSync(path.join(dest, 'direct-8193.partial'), 'utf8')).toBe('not ours');
    const p = await runCli(['extract', '--force', '--progress', `${img}::/shapes/direct-8193`, dest]);
    expect(p.code).toBe(0);
    expect(p.stderr.toString()).toMatch(/^\r.* \/ 8\.00 KiB \(100\.0%\)/);
    expect(p.stdout.toString()).toMatch(/^extracted 1 file\(s\)/);
    expect(sha256(readFileSync(path.join(dest, 'direct-8193')))).toBe(f.sha256());
    expect(existsSync(path.join(dest, 'direct-8193.partial'))).toBe(false);
  });
});
