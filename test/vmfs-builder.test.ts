/**
 * The VMFS-5 test volumes: rebuilt with the compiled builder they must be
 * byte-identical to what corpus/MANIFEST ("vmfs") recorded after debugvmfs
 * checked them, and vmfskit (the second reader) must list and read every file
 * the way the MANIFEST says — including what debugvmfs cannot read (double
 * indirect, absolute /vmfs/volumes symlinks, GPT-wrapped LUNs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, scratch } from './helpers/paths.js';
import { runCli } from './helpers/cli.js';
import { sha256 } from './helpers/hash.js';

const DIST = path.join(ROOT, 'dist', 'corpus', 'builders');
type Builder = typeof import('../corpus/builders/vmfs5/index.js');
type Volumes = typeof import('../corpus/builders/vmfs5/volumes.js');
type CorpusBuild = typeof import('../corpus/builders/vmfs5/corpus-build.js');
type Manifest = typeof import('../corpus/builders/manifest.js');
type Section = import('../corpus/builders/vmfs5/corpus-build.js').VmfsSection;
type Entry = import('../corpus/builders/vmfs5/corpus-build.js').Entry;
type Open = typeof import('../src/open.js');

const builder = (await import(path.join(DIST, 'vmfs5', 'index.js'))) as Builder;
const { corpusVolumes } = (await import(path.join(DIST, 'vmfs5', 'volumes.js'))) as Volumes;
const { problems } = (await import(path.join(DIST, 'vmfs5', 'corpus-build.js'))) as CorpusBuild;
const { readSection } = (await import(path.join(DIST, 'manifest.js'))) as Manifest;
const { openVolume } = (await import(path.join(ROOT, 'dist', 'src', 'open.js'))) as Open;

const section = readSection<Section>('vmfs');
const volumes = corpusVolumes();
const dir = scratch('vmfs-builder');
const built = new Map<string, Awaited<ReturnType<Builder['buildVmfs5']>>>();

/** Image paths of a volume in the scratch dir: first LUN, then the other extents. */
function images(name: string): string[] {
  return built.get(name)!.images.map((i) => i.path);
}

function parentOf(p: string): string {
  return path.posix.dirname(p);
}

beforeAll(async () => {
  for (const v of volumes) built.set(v.name, await builder.buildVmfs5(v.spec, path.join(dir, v.name)));
  return () => rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('vmfs5 builder: MANIFEST and determinism', () => {
  it('the MANIFEST records every corpus volume, each one checked by debugvmfs without a disagreement', () => {
    expect(section, 'run corpus/build-vmfs.sh').toBeDefined();
    expect(Object.keys(section!.volumes).sort()).toEqual(volumes.map((v) => v.name).sort());
    for (const [name, rec] of Object.entries(section!.volumes)) expect(problems(rec), name).toEqual([]);
    expect(section!.oracleTool).toMatch(/^vmfs-tools /);
  });

  it.each(volumes.map((v) => v.name))('%s: a rebuild gives the recorded image sha256 (same spec, same bytes)', (name) => {
    const rec = section!.volumes[name]!;
    expect(built.get(name)!.images.map((i) => ({ name: path.basename(i.path), size: i.size, sha256: i.sha256, partitionOffset: i.partitionOffset }))).toEqual(rec.images);
  });

  it.each(volumes.map((v) => v.name))('%s: the builder still describes the recorded files (metadata)', (name) => {
    const rec = section!.volumes[name]!;
    const now = new Map(built.get(name)!.files.map((f) => [f.path, f]));
    for (const e of rec.entries) {
      const f = now.get(e.path);
      expect(f, e.path).toBeDefined();
      expect({ type: f!.type, mode: f!.mode, nlink: f!.nlink, uid: f!.uid, gid: f!.gid, size: f!.size, mtime: f!.mtime, fd: f!.fdAddress, addressing: f!.addressing, blocks: f!.blocks, tbz: f!.tbzBlocks }, e.path)
        .toEqual({ type: e.type, mode: e.mode, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime, fd: e.fdAddress, addressing: e.addressing, blocks: e.blocks, tbz: e.tbzBlocks });
    }
  });

  it('covers every addressing mode, holes, TBZ, a spanned volume and 10 000 files (so the checks below mean something)', () => {
    const vm = section!.volumes['vmfs5-vm.img']!.entries;
    for (const a of ['resident', 'subblock', 'direct', 'indirect', 'pb2', 'double']) expect(vm.some((e) => e.type === 'file' && e.addressing === a), a).toBe(true);
    expect(vm.some((e) => e.tbzBlocks > 0)).toBe(true);
    expect(vm.some((e) => e.type === 'rdm')).toBe(true);
    expect(vm.some((e) => e.type === 'symlink' && e.symlinkTarget!.startsWith('/vmfs/volumes/'))).toBe(true);
    expect(section!.volumes['vmfs5-spanned.img']!.images).toHaveLength(2);
    expect(section!.volumes['vmfs5-many.img']!.digests[0]!.files).toBe(10_000);
  });
});

/** `ls -R --json` entries by path, without "." and "..". */
async function lsJson(name: string): Promise<Map<string, Record<string, unknown>>> {
  const [lun, ...extents] = images(name);
  const r = await runCli(['ls', '-R', '--json', `${lun}::/`, ...extents.flatMap((e) => ['--extent', e])]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout.toString('utf8')) as Array<Record<string, unknown>>;
  return new Map(list.filter((e) => e.name !== '.' && e.name !== '..').map((e) => [e.path as string, e]));
}

async function readAll(dev: { size: number; read(b: Buffer, o: number): Promise<number> }, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = await dev.read(buf.subarray(done, Math.min(length, done + (4 << 20))), offset + done);
    if (n <= 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

async function sha256Of(dev: { size: number; read(b: Buffer, o: number): Promise<number> }): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < dev.size; off += 4 << 20) h.update(await readAll(dev, off, Math.min(4 << 20, dev.size - off)));
  return h.digest('hex');
}

describe('vmfskit reads the built volumes as the MANIFEST says (second reader)', () => {
  it.each(volumes.map((v) => v.name))('%s: ls -R --json gives the recorded type, mode, links, owner, size and mtime', async (name) => {
    const rec = section!.volumes[name]!;
    const listed = await lsJson(name);
    for (const e of rec.entries.filter((x) => x.type !== 'system' && x.path !== '/')) {
      const got = listed.get(e.path);
      expect(got, e.path).toBeDefined();
      expect({ type: got!.type, perm: (got!.mode as number) & 0o7777, nlink: got!.nlink, uid: got!.uid, gid: got!.gid, size: got!.size, mtime: got!.mtime }, e.path)
        .toEqual({ type: e.type, perm: e.mode & 0o7777, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime });
    }
    const userEntries = built.get(name)!.files.filter((f) => f.type !== 'system' && f.path !== '/');
    expect(listed.size).toBe(userEntries.length);
  }, 60_000);

  // The MBR copy has the same partition bytes as the bare and GPT ones: its listing above shows it is found.
  it.each(volumes.map((v) => v.name).filter((n) => n !== 'vmfs5-vm-mbr.img'))('%s: every file reads back with the recorded sha256 (pieces for the 257 GiB file, zeros between)', async (name) => {
    const rec = section!.volumes[name]!;
    const [lun, ...extents] = images(name);
    const vol = await openVolume(lun!, { extents });
    try {
      for (const e of rec.entries) {
        if (e.type === 'symlink') {
          expect(await vol.readlink(e.path), e.path).toBe(e.symlinkTarget);
          continue;
        }
        if (e.type === 'rdm') {
          await expect(vol.openFile(e.path), e.path).rejects.toMatchObject({ code: 'UNSUPPORTED' });
          continue;
        }
        if (e.type !== 'file') continue;
        const dev = await vol.openFile(e.path);
        try {
          expect(dev.size, e.path).toBe(e.size);
          if (e.sha256) expect(await sha256Of(dev), e.path).toBe(e.sha256);
          for (const p of e.pieces ?? []) {
            expect(sha256(await readAll(dev, p.offset, p.length)), `${e.path} @${p.offset}`).toBe(p.sha256);
            // The MiB just before each piece (a hole in a thin file) reads as zeros.
            if (p.offset >= 2 << 20) expect((await readAll(dev, p.offset - (1 << 20), 1 << 20)).every((b) => b === 0), `${e.path} hole before ${p.offset}`).toBe(true);
          }
        } finally {
          await dev.close();
        }
      }
      // Wide directories: debugvmfs checked all 10 000 files at record time and the image is byte-identical,
      // so the builder's content is debugvmfs' content; the reader is checked on every 50th file.
      const expected = new Map(built.get(name)!.files.map((f) => [f.path, f]));
      for (const d of rec.digests) {
        const names = (await vol.readdir(d.dir)).map((st) => st.name);
        expect(names.length, d.dir).toBe(d.files);
        for (let i = 0; i < names.length; i += 50) {
          const p = `${d.dir}/${names[i]}`;
          const dev = await vol.openFile(p);
          expect(await sha256Of(dev), p).toBe(expected.get(p)!.sha256());
          await dev.close();
        }
      }
    } finally {
      await vol.close();
    }
  }, 120_000);

  it('vmfskit cat (the CLI) gives the recorded bytes for one file of each addressing mode, TBZ and a spanned read', async () => {
    const vm = section!.volumes['vmfs5-vm.img']!.entries;
    const pick = (p: string): Entry => vm.find((e) => e.path === p)!;
    const cases: Array<[string[], Entry]> = [
      ...['/shapes/resident-1000', '/shapes/subblock-1025', '/shapes/direct-3MiB+17', '/shapes/lazy-zeroed-6MiB', '/shapes/forced-indirect-small', '/VM/config-link']
        .map((p): [string[], Entry] => [[`${images('vmfs5-vm-gpt.img')[0]}::${p}`], p.endsWith('link') ? pick('/VM/VM.vmx') : pick(p)]),
      [[`${images('vmfs5-spanned.img')[0]}::/big/crosses-luns.bin`, '--extent', images('vmfs5-spanned.img')[1]!],
        section!.volumes['vmfs5-spanned.img']!.entries.find((e) => e.path === '/big/crosses-luns.bin')!],
    ];
    for (const [args, e] of cases) {
      const r = await runCli(['cat', ...args]);
      expect({ code: r.code, stderr: r.stderr, sha256: sha256(r.stdout) }, args[0]).toEqual({ code: 0, stderr: '', sha256: e.sha256 });
    }
  }, 120_000);
});
