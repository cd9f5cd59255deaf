/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The VMFS reader against real ESX/ESXi images: the VMFS-5 sample as a bare
 * partition and wrapped in GPT and MBR LUN images, and the VMFS-3 "toto"
 * volume (four PEs, thin and lazy-zeroed files, FDs outside cluster 0).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { hasSharedCorpus, scratch, SHARED_CORPUS } from './helpers/paths.js';
import { runCli, isOneLineError } from './helpers/cli.js';
import { wrapPartition } from './helpers/lun-wrap.js';
import { openVolume } from '../src/open.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** Run the CLI expecting success and a JSON document (exit code and stderr checked first, so a failure says why). */
async function cliJson(args: string[]): Promise<any> {
  const r = await runCli(args);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout.toString());
}

/**
 * `/directory` of esxi-vmfs5-small as debugvmfs 0.2.5 lists it (`TZ=UTC debugvmfs IMAGE ls -l /directory`,
 * run once here; epoch seconds converted from its UTC output with `date -u -d … +%s`). debugvmfs `ls -l`
 * prints FD +0x30 (ctime), not the mtime; on this image both are equal (`debugvmfs show inode[…]`: Modify
 * Time = Change Time for every entry below). On toto they differ — corpus/oracles/vmfs-real.sh checks both.
 */
const DIRECTORY = [
  { name: 'file1', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, mtime: 1628667474 },
  { name: 'file2', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, mtime: 1628667478 },
  { name: 'file3', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 0, mtime: 1628667481 },
  { name: 'file4', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 8, mtime: 1628667498 },
  { name: 'file5', mode: 0o100644, nlink: 1, uid: 0, gid: 0, size: 8193, mtime: 1628667519 },
  { name: 'symlink', mode: 0o120777, nlink: 1, uid: 0, gid: 0, size: 5, mtime: 1628667531 },
];
/** debugvmfs: `.` = drwxr-xr-x 2 … 1120 07:38:51, `..` (root) = drwxr-xr-t 4 … 1400 07:37:49. */
const DOT = { mode: 0o040755, nlink: 2, size: 1120, mtime: 1628667531 };
const DOTDOT = { mode: 0o041755, nlink: 4, size: 1400, mtime: 1628667469 };
/** file5 = 8192 × "a" + "\n" (corpus README); md5 also from `debugvmfs … cat /directory/file5 | md5sum`. */
const FILE5_MD5 = '89d6adcb17e106096d08d864ae861131';

describe.runIf(hasSharedCorpus())('VMFS-5 sample (esxi-vmfs5-small)', () => {
  const images: Record<string, string> = {};
  beforeAll(async () => {
    images.bare = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const dir = scratch('vmfs-real');
    images.gpt = path.join(dir, 'gpt-lun.img');
    images.mbr = path.join(dir, 'mbr-lun.img');
    images.gptBackup = path.join(dir, 'gpt-backup-lun.img');
    wrapPartition(images.bare, images.gpt, { scheme: 'gpt' });
    wrapPartition(images.bare, images.mbr, { scheme: 'mbr' });
    wrapPartition(images.bare, images.gptBackup, { scheme: 'gpt', breakPrimaryGpt: true });
  });

  it('CLI on the bare partition: ls -a --json /directory matches debugvmfs ls -l; cat is byte-exact', async () => {
    const r = await runCli(['ls', '-a', '--json', `${images.bare}::/directory`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const got = JSON.parse(r.stdout.toString()) as Array<Record<string, unknown>>;
    const pick = (e: Record<string, unknown>) => ({ name: e.name, mode: e.mode, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime });
    expect(got.map(pick)).toEqual([{ name: '.', uid: 0, gid: 0, ...DOT }, { name: '..', uid: 0, gid: 0, ...DOTDOT }, ...DIRECTORY]);
    expect(got.find((e) => e.name === 'symlink')!['symlink-target']).toBe('file4');
    for (const [name, want] of [
      ['file4', 'content\n'],
      ['file5', 'a'.repeat(8192) + '\n'],
      ['symlink', 'content\n'],
    ] as const) {
      const c = await runCli(['cat', `${images.bare}::/directory/${name}`]);
      expect({ code: c.code, stderr: c.stderr, out: c.stdout.toString() }).toEqual({ code: 0, stderr: '', out: want });
    }
  });

  for (const layout of ['bare', 'gpt', 'mbr', 'gptBackup']) {
    it(`${layout}: listing, file bytes and volume facts`, async () => {
      const vol = await openVolume(images[layout]!);
      try {
        const dir = await vol.readdir('/directory');
        expect(dir.map((e) => ({ name: e.name, mode: e.mode, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime }))).toEqual(DIRECTORY);
        const bytes = async (p: string) => {
          const f = await vol.openFile(p);
          const b = Buffer.alloc(f.size);
          await f.read(b, 0);
          return b;
        };
        expect((await bytes('/directory/file4')).toString()).toBe('content\n');
        expect(md5(await bytes('/directory/file5'))).toBe(FILE5_MD5);
        expect((await bytes('/directory/symlink')).toString()).toBe('content\n');
        const i = vol.info() as Record<string, any>;
        expect([i.label, i.uuid, i.version, i['block-size'], i['sub-block-size']]).toEqual(['VMFS5 Test', '61137dd5-df6bc2c8-f0e7-000c29801686', '14.81', 1048576, 8192]);
        expect(i.lvm.extents).toHaveLength(1);
        expect(i.lvm.extents[0]['host-offset']).toBe((layout === 'bare' ? 0 : 1 << 20) + 0x1100000);
        expect(i['partition-table']?.scheme ?? 'none').toBe(layout === 'bare' ? 'none' : layout === 'mbr' ? 'mbr' : 'gpt');
        if (layout === 'gptBackup') expect(i['partition-table'].warnings[0]).toMatch(/primary GPT header.*CRC32.*backup/);
      } finally {
        await vol.close();
      }
    });
  }

  it('info --json on the GPT LUN: label, UUID, version 14.81, 1 MiB blocks, usage as debugvmfs df', async () => {
    const i = await cliJson(['info', '--json', images.gpt!]);
    expect([i.label, i.uuid, i.version, i['block-size']]).toEqual(['VMFS5 Test', '61137dd5-df6bc2c8-f0e7-000c29801686', '14.81', 1048576]);
    // debugvmfs df: Total blocks 256, Free blocks 241.
    expect(i.usage).toEqual({ blocks: 256, free: 241, used: 15, 'block-size': 1048576 });
    // debugvmfs show_heartbeats: one live slot at 0x37b000, UUID 61137d5a-a2df8778-7ed5-000c29801686, sequence 9;
    // IP and journal FB 0x341 as vmfs-format.md §13 read them.
    expect(i['live-heartbeats']).toEqual([
      { 'volume-offset': 0x37b000, 'owner-uuid': '61137d5a-a2df8778-7ed5-000c29801686', 'owner-mac': '00:0c:29:80:16:86', 'host-ip': '10.199.5.140', 'journal-address': 0x341, generation: 9 },
    ]);
    // sgdisk -p on this image: partition 1 from sector 2048, type FB00 (VMware VMFS).
    expect(i['partition-table'].partitions[0]).toMatchObject({ index: 1, start: 1 << 20, type: 'AA31E02A-400F-11DB-9590-000C2911D1B8', isVmfs: true });
  });

  it('ls -l shows debugvmfs columns with UTC ISO times', async () => {
    const r = await runCli(['ls', '-l', `${images.bare}::/directory`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout.toString().split('\n')[4]).toBe('-rw-r--r--  1     root     root         8193      1048576 2021-08-11T07:38:39Z file5');
  });

  it('root listing: system files with debugvmfs sizes; .sdd.sf is a directory', async () => {
    const vol = await openVolume(images.bare!);
    try {
      const root = await vol.readdir('/');
      // Sizes from `debugvmfs IMAGE ls -l /`.
      expect(root.map((e) => [e.name, e.size, e.type])).toEqual([
        ['.fbb.sf', 131072, 'system'],
        ['.fdc.sf', 1048576, 'system'],
        ['.pbc.sf', 135168, 'system'],
        ['.sbc.sf', 2228224, 'system'],
        ['.vh.sf', 4194304, 'system'],
        ['.pb2.sf', 135168, 'system'],
        ['.sdd.sf', 280, 'dir'],
        ['directory', 1120, 'dir'],
      ]);
      // debugvmfs show dirent: file1 … symlink are FDs 0x2400004 … 0x3800004.
      expect((await vol.readdir('/directory')).map((e) => e.fdAddress)).toEqual([0x2400004, 0x2800004, 0x2c00004, 0x3000004, 0x3400004, 0x3800004]);
      expect(await vol.readlink('/directory/symlink')).toBe('file4');
      expect((await vol.stat('/directory/../directory/./file4')).size).toBe(8);
      // ESXi absolute paths map onto this volume by label or UUID.
      const res = vol.resolver('/directory');
      expect(await res.mapForeign('/vmfs/volumes/VMFS5 Test/directory/file5')).toBe('/directory/file5');
      expect(await res.mapForeign('/vmfs/volumes/61137dd5-df6bc2c8-f0e7-000c29801686/directory/file4')).toBe('/directory/file4');
      expect(await res.mapForeign('/vmfs/volumes/other/directory/nothere')).toBeNull();
      const f = await res.open('../directory/file5');
      const buf = Buffer.alloc(f.size);
      await f.read(buf, 0);
      expect(md5(buf)).toBe(FILE5_MD5);
    } finally {
      await vol.close();
    }
  });

  it('stat --json: FD address, ZLA, block counts, times', async () => {
    const s = await cliJson(['stat', '--json', `${images.bare}::/directory/file5`]);
    // debugvmfs show inode["/directory/file5"]: ID 0x3400004, ZLA 1, Block count 1, Block size 1 MiB.
    expect(s['fd-address']).toBe(0x3400004);
    expect(s.details).toMatchObject({ zla: 1, 'block-count': 1, 'block-size': 1048576, 'data-blocks': 1, 'hole-blocks': 0 });
    expect([s.atime, s.mtime, s.ctime]).toEqual([1628667519, 1628667519, 1628667519]);
  });
});

describe.runIf(hasSharedCorpus())('VMFS-3 toto (four PEs, thin, TBZ)', () => {
  let img = '';
  beforeAll(async () => {
    img = await gunzipCached(path.join(SHARED_CORPUS, 'vmfs', 'esx-vmfs3-toto.bin.gz'));
  });

  it('assembles four PEs and lists the root like debugvmfs', async () => {
    const vol = await openVolume(img);
    try {
      const info = vol.info() as { lvm: { extents: Array<{ logical: number; length: number; 'physical-offset': number }> }; version: string };
      expect(info.version).toBe('4.31');
      expect(info.lvm.extents.map((e) => [e.logical, e['physical-offset']])).toEqual([0, 1, 2, 3].map((n) => [n * 0x10000000, 0x1100000 + n * 0x10000000]));
      const root = await vol.readdir('/');
      // Sizes and FD of thin-flat.vmdk (0x184) from `debugvmfs … ls -l /` and `show inode`.
      expect(root.filter((e) => !e.name.startsWith('.')).map((e) => [e.name, e.size])).toEqual([
        ['thin-flat.vmdk', 209715200],
        ['thin.vmdk', 393],
        ['thick-flat.vmdk', 209715200],
        ['thick.vmdk', 368],
        ['zeroedthick-flat.vmdk', 209715200],
        ['zeroedthick.vmdk', 374],
        ['eagerzeroedthick-flat.vmdk', 209715200],
        ['eagerzeroedthick.vmdk', 379],
      ]);
      expect(root.find((e) => e.name === 'thin-flat.vmdk')!.fdAddress).toBe(0x184);
    } finally {
      await vol.close();
    }
  });

  it('each -flat.vmdk reads as 200 MiB of zeros (md5 3566de3a…); thin and TBZ blocks map as zero', async () => {
    const vol = await openVolume(img);
    try {
      const zeroBytes: Record<string, number> = {};
      for (const kind of ['thin', 'thick', 'zeroedthick', 'eagerzeroedthick']) {
        const f = await vol.openFile(`/${kind}-flat.vmdk`);
        const h = createHash('md5');
        const buf = Buffer.alloc(4 << 20);
        for (let pos = 0; pos < f.size; pos += buf.length) {
          const n = await f.read(buf, pos);
          h.update(buf.subarray(0, n));
        }
        expect(h.digest('hex')).toBe('3566de3a97906edb98d004d6b947ae9b');
        zeroBytes[kind] = (await f.map(0, f.size)).filter((r) => r.kind === 'zero').reduce((a, r) => a + r.length, 0);
      }
      // thin: 1 block + 199 holes; zeroedthick: 1 plain + 199 TBZ (SOURCES.md, debugvmfs show inode: TBZ 199).
      expect(zeroBytes).toEqual({ thin: 199 << 20, thick: 0, zeroedthick: 199 << 20, eagerzeroedthick: 0 });
    } finally {
      await vol.close();
    }
  });

  it('the small descriptor files read as debugvmfs cat gives them; cat of one is its virtual disk', async () => {
    const vol = await openVolume(img);
    try {
      const f = await vol.openFile('/thin.vmdk');
      const buf = Buffer.alloc(f.size);
      await f.read(buf, 0);
      // md5 of `debugvmfs esx-vmfs3-toto.bin cat /thin.vmdk`.
      expect(md5(buf)).toBe('819615542514b6651344510982fac169');
      expect(buf.toString()).toMatch(/ddb.thinProvisioned = "1"/);
    } finally {
      await vol.close();
    }
    // Through the address syntax a descriptor opens as its disk: thin-flat.vmdk found by name in the same VMFS folder.
    const r = await runCli(['cat', `${img}::/thin.vmdk`]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(md5(r.stdout)).toBe('3566de3a97906edb98d004d6b947ae9b');
  });

  it('stat counts holes and to-be-zeroed blocks', async () => {
    const s = await cliJson(['stat', '--json', `${img}::/zeroedthick-flat.vmdk`]);
    expect(s.details).toMatchObject({ 'tbz-blocks': 199, 'tbz-blocks-mapped': 199, 'data-blocks': 1, 'hole-blocks': 0 });
    const t = await cliJson(['stat', '--json', `${img}::/thin-flat.vmdk`]);
    expect(t.details).toMatchObject({ 'hole-blocks': 199, 'data-blocks': 1, 'block-count': 1 });
    expect(t.allocated).toBeUndefined();
    expect(t['allocated-size']).toBe(1 << 20);
  });

  it('a path that does not exist is a one-line error, exit 2', async () => {
    const r = await runCli(['ls', `${img}::/nothere`]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain('/nothere: no such file or directory');
  });
});
