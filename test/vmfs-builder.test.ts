/**
 * The VMFS-5 test volumes: rebuilt with the compiled builder they must be
 * byte-identical to what corpus/MANIFEST ("vmfs") recorded after debugvmfs
 * checked them, and vmfskit (the second reader) must list and read every file
 * the way the MANIFEST says — including what debugvmfs cannot read (double
 * indirect, absolute /vmfs/volumes symlinks, GPT-wrapped LUNs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SHARED_CORPUS, hasSharedCorpus, scratch } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
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
  // -a: the datastore volume keeps the host's logs in .locker/ (a dot folder, as ESXi names it); system files are dropped below.
  const r = await runCli(['ls', '-a', '-R', '--json', `${lun}::/`, ...extents.flatMap((e) => ['--extent', e])]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout.toString('utf8')) as Array<Record<string, unknown>>;
  const system = new Set(built.get(name)!.files.filter((f) => f.type === 'system').map((f) => f.path));
  return new Map(list.filter((e) => e.name !== '.' && e.name !== '..' && !system.has(e.path as string)).map((e) => [e.path as string, e]));
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

  // The GPT and MBR copies have the bare image's partition bytes: their listings above and the CLI reads below
  // show the partition is found; reading every file once more through them would only repeat this.
  it.each(volumes.map((v) => v.name).filter((n) => !/-(gpt|mbr)\.img$/.test(n)))('%s: every file reads back with the recorded sha256 (pieces for the 257 GiB file, zeros between)', async (name) => {
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

  it('vmfskit cat (the CLI) gives the recorded bytes through a GPT (TBZ, pointer block, symlink to a sub-block file) and across two LUNs', async () => {
    const vm = section!.volumes['vmfs5-vm.img']!.entries;
    const pick = (p: string): Entry => vm.find((e) => e.path === p)!;
    const cases: Array<[string[], Entry]> = [
      // Each addressing mode is read in-process above; the CLI path is checked on the harder cases only (process start-up is slow).
      ...['/shapes/lazy-zeroed-6MiB', '/shapes/forced-indirect-small', '/VM/config-link']
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

/**
 * "Write what ESXi writes": the sample's own tree, rebuilt with the sample's
 * label, times and block order, must reproduce the ESXi image's metadata
 * byte for byte wherever no UUID, lock state or allocation choice is involved.
 */
describe.runIf(hasSharedCorpus())('vmfs5 builder against the real ESXi sample (esxi-vmfs5-small)', () => {
  const T = 0x61137dd5; // the sample's format time (2021-08-11 07:35:49 UTC)
  const spec: import('../corpus/builders/vmfs5/spec.js').VolumeSpec = {
    label: 'VMFS5 Test', createTime: T, uuidSeed: 1, rootMtime: 0x61137e4d,
    root: [{ type: 'dir', name: 'directory', mtime: 0x61137e8b, children: [
      { type: 'file', name: 'file1', mtime: 0x61137e52 },
      { type: 'file', name: 'file2', mtime: 0x61137e56 },
      { type: 'file', name: 'file3', mtime: 0x61137e59 },
      { type: 'file', name: 'file4', mtime: 0x61137e6a, content: { kind: 'text', text: 'content\n' } },
      { type: 'file', name: 'file5', mtime: 0x61137e7f, content: { kind: 'text', text: `${'a'.repeat(8192)}\n` } },
      { type: 'symlink', name: 'symlink', mtime: 0x61137e8b, target: 'file4' },
    ] }],
  };
  let esxi: Buffer;
  let ours: Buffer;
  const DEV = 0x1100000; // data offset of the first PE on both
  const region = (b: Buffer, off: number, len: number): string => b.subarray(off, off + len).toString('hex');

  beforeAll(async () => {
    const real = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const built = await builder.buildVmfs5(spec, path.join(dir, 'esxi-twin.img'));
    // Only the first 48 MiB hold metadata; both files are read-only evidence or scratch.
    const head = (f: string): Buffer => {
      const fd = openSync(f, 'r');
      try {
        const b = Buffer.alloc(48 << 20);
        readSync(fd, b, 0, b.length, 0);
        return b;
      } finally {
        closeSync(fd);
      }
    };
    esxi = head(real);
    ours = head(built.images[0]!.path);
  }, 120_000);

  it('LVM: versions, data offset, PE bitmap and PE table entry, SD table name are ESXi\'s', () => {
    expect(region(ours, 0x100000, 12)).toBe(region(esxi, 0x100000, 12));
    expect(region(ours, 0x10005a, 4)).toBe(region(esxi, 0x10005a, 4));
    expect(region(ours, 0x100066, 0x1c)).toBe(region(esxi, 0x100066, 0x1c));
    expect(region(ours, 0x1000be, 4)).toBe(region(esxi, 0x1000be, 4));
    expect(region(ours, 0x100210, 4)).toBe(region(esxi, 0x100210, 4));
    expect(region(ours, 0x100264, 4)).toBe(region(esxi, 0x100264, 4));
    expect(region(ours, 0x100270, 0x18)).toBe(region(esxi, 0x100270, 0x18));
    expect(region(ours, 0x17e200, 256)).toBe(region(esxi, 0x17e200, 256));
    expect(region(ours, 0x180200, 1024)).toBe(region(esxi, 0x180200, 1024));
    expect(region(ours, 0x180600, 128)).toBe(region(esxi, 0x180600, 128));
  });

  it('FS descriptor: every field but UUIDs and the host stamp is ESXi\'s', () => {
    const d = DEV + 0x200000;
    for (const [off, len] of [[0, 9], [0x19, 4 + 128 + 4 + 8 + 4 + 4], [0xc1, 4], [0xd1, 0x1c], [0xfd, 0x14]] as const) {
      expect(region(ours, d + off, len), `descriptor +0x${off.toString(16)}`).toBe(region(esxi, d + off, len));
    }
  });

  it('resource-file headers of .fbb .fdc .pbc .sbc .pb2 and FDC cluster 0 metadata are ESXi\'s', () => {
    for (const block of [4, 6, 7, 8, 11]) expect(region(ours, DEV + block * 0x100000, 32), `FB ${block}`).toBe(region(esxi, DEV + block * 0x100000, 32));
    expect(region(ours, DEV + 0x410200, 0x50)).toBe(region(esxi, DEV + 0x410200, 0x50));
  });

  it('root, system-file and heartbeat structures: FD metadata + address arrays, root and .sdd.sf directories are ESXi\'s', () => {
    for (let r = 0; r < 8; r++) {
      const fd = DEV + 0x420000 + r * 2048;
      expect(region(ours, fd + 512, 1536), `FD c0 r${r}`).toBe(region(esxi, fd + 512, 1536));
      expect(region(ours, fd, 12), `FD c0 r${r} lock magic and offset`).toBe(region(esxi, fd, 12));
    }
    expect(region(ours, DEV + 0x500000, 1400), 'root directory').toBe(region(esxi, DEV + 0x500000, 1400));
    expect(region(ours, DEV + 0xc00000, 280), '.sdd.sf').toBe(region(esxi, DEV + 0xc00000, 280));
    expect(region(ours, DEV + 0x300000, 512), 'heartbeat slot 0').toBe(region(esxi, DEV + 0x300000, 512));
  });

  it('user FDs: the same metadata as ESXi wrote for /directory and its files (addresses aside)', () => {
    // FD metadata fields that do not depend on where data was placed: +0x04 … +0x23 and +0x2c … +0x5f.
    for (let r = 8; r < 15; r++) {
      const fd = DEV + 0x420000 + r * 2048 + 512;
      expect(region(ours, fd, 4), `FD r${r} address`).toBe(region(esxi, fd, 4));
      expect(region(ours, fd + 0x08, 0x1c), `FD r${r} links, type, length, block size`).toBe(region(esxi, fd + 0x08, 0x1c));
      expect(region(ours, fd + 0x2c, 0x34), `FD r${r} times, owner, mode, ZLA, counts`).toBe(region(esxi, fd + 0x2c, 0x34));
      expect(region(ours, fd + 0x68, 0x24), `FD r${r} affinity, shifts`).toBe(region(esxi, fd + 0x68, 0x24));
    }
    // Resident data (file4) is stored in the FD exactly as ESXi stores it.
    expect(region(ours, DEV + 0x420000 + 12 * 2048 + 1024, 1024)).toBe(region(esxi, DEV + 0x420000 + 12 * 2048 + 1024, 1024));
  });
});

describe('vmfs5 builder API', () => {
  const base = { label: 'api', createTime: 1_700_000_000, uuidSeed: 9 } as const;

  it('a file whose content is a host file (the way delta chains are put on a volume) reads back byte for byte; sparse leaves zero blocks as holes', async () => {
    const host = path.join(dir, 'host-content.bin');
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i ^ 0x5a5a5a5a, i + 1024);
    data.fill(0, 1 << 20, 2 << 20);
    writeFileSync(host, data);
    const spec = { ...base, root: [{ type: 'file' as const, name: 'base-flat.vmdk', provisioning: 'sparse' as const, content: { kind: 'file' as const, path: host } }] };
    const out = await builder.buildVmfs5(spec, path.join(dir, 'api-host.img'));
    const f = out.files.find((x) => x.path === '/base-flat.vmdk')!;
    expect({ blocks: f.blocks, sha256: f.sha256() }).toEqual({ blocks: 2, sha256: sha256(data) });
    expect(builder.datastorePath(spec)).toBe(`/vmfs/volumes/${out.fsUuid}`);
    const vol = await openVolume(out.images[0]!.path);
    try {
      const dev = await vol.openFile('/base-flat.vmdk');
      expect(sha256(await readAll(dev, 0, dev.size))).toBe(sha256(data));
      expect((await dev.map(0, dev.size)).filter((r) => r.kind === 'zero').map((r) => [r.offset, r.length])).toEqual([[1 << 20, 1 << 20]]);
      await dev.close();
    } finally {
      await vol.close();
    }
  });

  it.each([
    ['a 128-byte name', { type: 'file', name: 'n'.repeat(128) }, /invalid VMFS name/],
    ['a name with "/"', { type: 'file', name: 'a/b' }, /invalid VMFS name/],
    ['more data than the volume holds', { type: 'file', name: 'big', size: 300 << 20, provisioning: 'thick' }, /needs \d+ blocks of 1 MiB but has 256: add PEs/],
    ['resident data above 1 KiB', { type: 'file', name: 'r', addressing: 'resident', content: { kind: 'zeros', length: 1025 } }, /do not fit in the FD/],
    ['a size below the data', { type: 'file', name: 's', size: 10, content: { kind: 'zeros', length: 11 } }, /below the end of its data/],
  ] as const)('refuses %s, and leaves no output file', async (_what, node, message) => {
    const out = path.join(dir, 'refused.img');
    await expect(builder.buildVmfs5({ ...base, root: [node as never] }, out)).rejects.toThrow(message);
    expect(readdirSync(dir).filter((n) => n.startsWith('refused'))).toEqual([]);
  });
});
