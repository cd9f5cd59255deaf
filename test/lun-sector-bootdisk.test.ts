/**
 * LUN side of issue 12 for the partition layer:
 * - 4Kn: the real VMFS-5 sample wrapped in a GPT written with 4096-byte
 *   sectors (by our writer, checked with mmls -b 4096; and by sgdisk on a
 *   loop device with 4096-byte sectors where loop devices can be made) lists
 *   and reads exactly as the bare image; the 512 wrap too; --sector-size
 *   overrides; headers valid at both sizes are decided by CRC/LBA checks or
 *   left to the examiner.
 * - The ESXi 7/8 boot disk: GPT (sgdisk) with EFI system and BOOTBANK1/2
 *   (mkfs.vfat + mcopy), OSDATA (the real VMFS-6 sample with its FS magic
 *   patched to VMFS-L 0x2FABF15F — debugvmfs6 reads both), the datastore (the
 *   real VMFS-5 sample) and a vmkcore partition: `info` lists each with its
 *   type name and what it holds; --partition picks; one VMFS is chosen alone.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOneLineError, runCli } from './helpers/cli.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { copySparse, gptSectors, wrapPartition } from './helpers/lun-wrap.js';
import { hasSharedCorpus, SHARED_CORPUS } from './helpers/paths.js';
import { runProcess } from './helpers/proc.js';
import { scratchCleaned } from './helpers/scratch.js';
import { requireTools } from './helpers/tools.js';

const tmpDir = scratchCleaned();
const MiB = 1 << 20;
const VMFS = 'AA31E02A-400F-11DB-9590-000C2911D1B8';

async function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout.toString(), err: r.stderr };
}

/** Every regular file under `root` of the volume in `img`, with its sha256 as vmfskit hash gives it. */
async function fileHashes(img: string, extra: string[] = []): Promise<Record<string, string>> {
  const ls = await cli(['ls', '-R', '--json', ...extra, `${img}::/`]);
  expect(ls.err).toBe('');
  const entries = JSON.parse(ls.out) as Array<{ path: string; type: string }>;
  const out: Record<string, string> = {};
  for (const e of entries.filter((x) => x.type === 'file')) {
    const h = await cli(['hash', '-a', 'sha256', ...extra, `${img}::${e.path}`]);
    expect(h.code).toBe(0);
    out[e.path] = h.out.split(' ')[0]!;
  }
  return out;
}

/** The loop device way: sgdisk writes the 4Kn GPT on a loop device with 4096-byte sectors. */
function canLoop4k(): boolean {
  if (process.getuid?.() !== 0 || !requireTools('losetup', 'sgdisk')) return false;
  return spawnSync('losetup', ['--help'], { encoding: 'utf8' }).stdout.includes('--sector-size');
}

describe.runIf(hasSharedCorpus() && requireTools('mmls'))('4Kn LUN images', () => {
  let bare: string;
  let dir: string;
  const lun: Record<string, string> = {};
  beforeAll(async () => {
    bare = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    dir = tmpDir('lun-4kn');
    for (const s of [512, 4096] as const) {
      lun[s] = path.join(dir, `lun-${s}.img`);
      wrapPartition(bare, lun[s]!, { scheme: 'gpt', sectorSize: s });
    }
  });

  it('our 4Kn writer agrees with mmls -b 4096: partition 1 at sector 256, 130816 sectors', async () => {
    expect(statSync(bare).size / 4096).toBe(130816);
    const r = await runProcess('mmls', ['-b', '4096', lun[4096]!]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/Units are in 4096-byte sectors/);
    expect(r.stdout.toString()).toMatch(/\n\d+:\s+000\s+0000000256\s+0000131071\s+0000130816\s/);
  });

  it('info finds the sector size without an option and says where from', async () => {
    for (const s of [512, 4096] as const) {
      const j = JSON.parse((await cli(['info', '--json', lun[s]!])).out);
      expect(j['partition-table']).toMatchObject({ scheme: 'gpt', 'sector-size': s, 'sector-size-from': `GPT header at byte ${s}` });
      expect(j['partition-table'].partitions[0]).toMatchObject({ index: 1, start: MiB, size: statSync(bare).size, typeName: 'VMware VMFS', holds: 'VMFS-5.81 "VMFS5 Test" uuid 61137dd5-df6bc2c8-f0e7-000c29801686' });
      expect(j.label).toBe('VMFS5 Test');
    }
    const text = await cli(['info', lun[4096]!]);
    expect(text.out.split('\n')[0]).toBe('partition table: GPT, 4096-byte sectors (GPT header at byte 4096)');
    expect(text.out.split('\n')[1]).toBe(`  1: start 1048576 (sector 256) size ${statSync(bare).size} bytes (511 MiB, 130816 sectors) type ${VMFS} (VMware VMFS) "vmfs": VMFS-5.81 "VMFS5 Test" uuid 61137dd5-df6bc2c8-f0e7-000c29801686`);
  });

  it('the 4Kn and the 512 wrap list and read exactly as the bare image (sha256 of every file)', async () => {
    const want = await fileHashes(bare);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(['/directory/file4', '/directory/file5']));
    for (const s of [512, 4096]) expect(await fileHashes(lun[s]!)).toEqual(want);
    const ls = async (img: string) => (await cli(['ls', '-l', '-R', '-a', `${img}::/`])).out;
    expect(await ls(lun[4096]!)).toBe(await ls(bare));
  });

  it('--sector-size overrides: 4096 opens the 4Kn LUN, 512 finds only its protective MBR', async () => {
    expect((await cli(['ls', '--sector-size', '4096', `${lun[4096]}::/directory`])).code).toBe(0);
    const r = await cli(['ls', '--sector-size', '512', `${lun[4096]}::/directory`]);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`vmfskit: ${lun[4096]}: GPT header at byte 512 (0x200): protective MBR (type 0xEE) but no valid GPT header, primary or backup\n`);
    const bad = await cli(['ls', '--sector-size', '1024', `${lun[4096]}::/`]);
    expect(bad.code).toBe(2);
  });

  it.runIf(canLoop4k())('sgdisk on a loop device with 4096-byte sectors makes a LUN that reads as the bare image', async () => {
    const img = path.join(dir, 'sgdisk-4k.img');
    const fd = openSync(img, 'w');
    ftruncateSync(fd, MiB + statSync(bare).size + MiB);
    copySparse(bare, fd, MiB);
    closeSync(fd);
    const loop = spawnSync('losetup', ['--sector-size', '4096', '-f', '--show', img], { encoding: 'utf8' });
    expect(loop.status).toBe(0);
    const dev = loop.stdout.trim();
    try {
      const sg = spawnSync('sgdisk', ['-o', '-n', `1:256:${256 + 130816 - 1}`, '-t', '1:FB00', dev], { encoding: 'utf8' });
      expect(sg.status).toBe(0);
      const p = spawnSync('sgdisk', ['-p', dev], { encoding: 'utf8' }).stdout;
      expect(p).toMatch(/Sector size \(logical\/physical\): 4096/);
      expect(p).toMatch(/\n\s+1\s+256\s+131071\s/);
    } finally {
      spawnSync('losetup', ['-d', dev]);
    }
    const j = JSON.parse((await cli(['info', '--json', img])).out);
    expect(j['partition-table']).toMatchObject({ 'sector-size': 4096, 'sector-size-from': 'GPT header at byte 4096' });
    expect(await fileHashes(img)).toEqual(await fileHashes(bare));
  });

  /** A 4Kn LUN that also holds a GPT for 512-byte sectors (4 entries: it fits below byte 4096). */
  function twoHeaders(name: string, stale: boolean): string {
    const img = path.join(dir, name);
    wrapPartition(bare, img, { scheme: 'gpt', sectorSize: 4096 });
    const size = statSync(img).size;
    const fd = openSync(img, 'r+');
    const parts: Array<[number, number, string]> = [[2048, statSync(bare).size / 512, VMFS]];
    // Stale: a table of a disk twice this size, whose backup is gone.
    const o = stale ? { entries: 4, alternateLba: (2 * size) / 512 - 1, noBackup: true } : { entries: 4 };
    for (const [at, bytes] of gptSectors(size, 512, parts, o)) if (at !== 0) writeSync(fd, bytes, 0, bytes.length, at);
    closeSync(fd);
    return img;
  }

  it('headers valid at both sizes: the one whose backup and LBAs fit the disk wins, and info says why', async () => {
    const img = twoHeaders('both-stale.img', true);
    const j = JSON.parse((await cli(['info', '--json', img])).out);
    const pt = j['partition-table'];
    expect(pt['sector-size']).toBe(4096);
    expect(pt['sector-size-from']).toBe('GPT header at byte 4096, decided by CRC and LBA checks');
    const last512 = statSync(img).size / 512 - 1;
    expect(pt.warnings).toEqual([
      `GPT headers valid for both 512- and 4096-byte sectors; using 4096 (4096: CRCs match, backup header and LBAs fit the disk) over 512: its backup header LBA ${2 * (last512 + 1) - 1} is not the last LBA ${last512}; --sector-size overrides`,
    ]);
    expect(j.label).toBe('VMFS5 Test');
  });

  it('headers valid and sane at both sizes: the examiner chooses (exit 2), and either choice opens the volume', async () => {
    const img = twoHeaders('both-sane.img', false);
    const r = await cli(['ls', `${img}::/directory`]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.err)).toBe(true);
    expect(r.err).toMatch(/valid GPT headers for both 512- and 4096-byte sectors \(512: CRCs match, backup header and LBAs fit the disk \| 4096: CRCs match, backup header and LBAs fit the disk\): choose one with --sector-size 512\|4096\n$/);
    for (const s of ['512', '4096']) expect((await cli(['ls', '--sector-size', s, `${img}::/directory`])).code).toBe(0);
  });
});

/** ESXi 7/8 boot disk layout (vmfs-format.md §1, scaled down): number, first sector, sectors, sgdisk type, name. */
interface BootPart {
  n: number;
  first: number;
  sectors: number;
  code: string;
  name: string;
}

describe.runIf(hasSharedCorpus() && requireTools('sgdisk', 'mkfs.vfat', 'mcopy'))('the ESXi 7/8 boot disk', () => {
  let dir: string;
  let boot: string;
  let single: string;
  let v5: string;
  let osdata: string;
  const P: Record<string, BootPart> = {};
  /** Write a boot disk with the given partitions; contents by partition name. */
  function bootDisk(file: string, parts: BootPart[], contents: Record<string, string>): void {
    const end = Math.max(...parts.map((p) => p.first + p.sectors)) + 2048;
    const fd = openSync(file, 'w');
    ftruncateSync(fd, end * 512);
    for (const p of parts) if (contents[p.name]) copySparse(contents[p.name]!, fd, p.first * 512);
    closeSync(fd);
    const args = ['-o', '-a', '64'];
    for (const p of parts) args.push('-n', `${p.n}:${p.first}:${p.first + p.sectors - 1}`, '-t', `${p.n}:${p.code}`, '-c', `${p.n}:${p.name}`);
    // sgdisk -o rewrites sector 0 and the table areas only; the partitions' contents are outside them.
    const r = spawnSync('sgdisk', [...args, file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  }
  function fat(file: string, mib: number, label: string, id: string): string {
    const fd = openSync(file, 'w');
    ftruncateSync(fd, mib * MiB);
    closeSync(fd);
    expect(spawnSync('mkfs.vfat', ['-F', '16', '-s', '1', '-n', label, '-i', id, file]).status).toBe(0);
    const r = spawnSync('sh', ['-c', `printf 'kernelopt=autoPartition=FALSE\\n' > "$1.cfg" && mcopy -i "$1" "$1.cfg" ::BOOT.CFG`, 'sh', file], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    expect(r.status).toBe(0);
    return file;
  }

  beforeAll(async () => {
    dir = tmpDir('bootdisk');
    v5 = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    const v6 = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs6-small.bin.gz'));
    // OSDATA: the VMFS-6 sample with the FS descriptor magic (partition byte 0x1300000) made VMFS-L's.
    osdata = path.join(dir, 'osdata.img');
    const fd = openSync(osdata, 'w');
    ftruncateSync(fd, statSync(v6).size);
    copySparse(v6, fd, 0);
    writeSync(fd, Buffer.from([0x5f, 0xf1, 0xab, 0x2f]), 0, 4, 0x1300000);
    closeSync(fd);
    const sizes = { v5: statSync(v5).size / 512, v6: statSync(v6).size / 512 };
    const layout: BootPart[] = [
      { n: 1, first: 64, sectors: 8192, code: 'EF00', name: 'BOOT' },
      { n: 5, first: 16384, sectors: 65536, code: '0700', name: 'BOOTBANK1' },
      { n: 6, first: 81920, sectors: 65536, code: '0700', name: 'BOOTBANK2' },
      { n: 7, first: 147456, sectors: sizes.v6, code: '4EB2EA39-7855-4790-A79E-FAE495E21F8D', name: 'OSDATA' },
      { n: 8, first: 147456 + sizes.v6 + 2048, sectors: sizes.v5, code: 'FB00', name: 'datastore1' },
      { n: 9, first: 147456 + sizes.v6 + 2048 + sizes.v5 + 2048, sectors: 16384, code: '9D275380-40AD-11DB-BF97-000C2911D1B8', name: 'vmkcore' },
    ];
    for (const p of layout) P[p.name] = p;
    const contents = {
      BOOT: fat(path.join(dir, 'efi.img'), 4, 'ESXI', '0000e51e'),
      BOOTBANK1: fat(path.join(dir, 'bb1.img'), 32, 'BOOTBANK1', '0b0071b1'),
      BOOTBANK2: fat(path.join(dir, 'bb2.img'), 32, 'BOOTBANK2', '0b0072b2'),
      OSDATA: osdata,
      datastore1: v5,
    };
    boot = path.join(dir, 'boot.img');
    bootDisk(boot, layout, contents);
    single = path.join(dir, 'boot-no-datastore.img');
    bootDisk(single, layout.filter((p) => p.name !== 'datastore1'), contents);
  });

  it.runIf(requireTools('debugvmfs6'))('debugvmfs6 reads the patched OSDATA partition, cut out of the disk by #p7 (VMFS-L magic accepted)', async () => {
    const part = path.join(dir, 'p7.img');
    const c = await runCli(['convert', `${boot}#p7`, part]);
    expect(c.code).toBe(0);
    const r = spawnSync('debugvmfs6', [part, 'ls', '-l', '/directory'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/file5\n/);
    expect(spawnSync('cmp', [part, osdata]).status).toBe(0);
  });

  it('info lists every partition with its type name and what it holds; two VMFS partitions: a note, exit 0', async () => {
    const r = await cli(['info', boot]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('partition table: GPT, 512-byte sectors (GPT header at byte 512)');
    const holds = lines.slice(1, 7).map((l) => l.replace(/^\s+(\d+): start \d+ \(sector \d+\) size .*? type (\S+) \(([^)]+(?:\([^)]*\))?)\) "([^"]+)": (.*)$/, '$1|$2|$3|$4|$5'));
    expect(holds).toEqual([
      '1|C12A7328-F81F-11D2-BA4B-00A0C93EC93B|EFI system partition|BOOT|FAT16 "ESXI" id 0000-E51E',
      '5|EBD0A0A2-B9E5-4433-87C0-68B6B72699C7|Microsoft basic data|BOOTBANK1|FAT16 "BOOTBANK1" id 0B00-71B1',
      '6|EBD0A0A2-B9E5-4433-87C0-68B6B72699C7|Microsoft basic data|BOOTBANK2|FAT16 "BOOTBANK2" id 0B00-72B2',
      '7|4EB2EA39-7855-4790-A79E-FAE495E21F8D|VMware ESXi OSDATA (VMFS-L)|OSDATA|VMFS-L 6.82 "VMFS6 Test" uuid 6113001e-a6377ebc-1d24-000c29801686',
      `8|${VMFS}|VMware VMFS|datastore1|VMFS-5.81 "VMFS5 Test" uuid 61137dd5-df6bc2c8-f0e7-000c29801686`,
      '9|9D275380-40AD-11DB-BF97-000C2911D1B8|VMware vmkcore|vmkcore|vmkcore (diagnostic partition)',
    ]);
    expect(lines[7]).toBe(
      `volume: not opened: ${boot}: 2 VMFS partitions (numbers 7, 8: 7 = VMware ESXi OSDATA (VMFS-L), VMFS-L 6.82 "VMFS6 Test"; 8 = VMware VMFS, VMFS-5.81 "VMFS5 Test"): choose one with --partition N`,
    );
    const j = JSON.parse((await cli(['info', '--json', boot])).out);
    expect(j['partition-table'].partitions.map((p: any) => p.content?.fs ?? null)).toEqual(['FAT16', 'FAT16', 'FAT16', 'VMFS-L 6.82', 'VMFS-5.81', null]);
    expect(j.volume).toBeNull();
  });

  it('ls without --partition: one line naming both VMFS partitions, exit 2; --partition 8 opens the datastore', async () => {
    const r = await cli(['ls', `${boot}::/directory`]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.err)).toBe(true);
    expect(r.err).toContain('2 VMFS partitions (numbers 7, 8: 7 = VMware ESXi OSDATA (VMFS-L), VMFS-L 6.82 "VMFS6 Test"; 8 = VMware VMFS, VMFS-5.81 "VMFS5 Test")');
    const ok = await cli(['ls', '-l', '--partition', '8', `${boot}::/directory`]);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe((await cli(['ls', '-l', `${v5}::/directory`])).out);
    const i = JSON.parse((await cli(['info', '--json', '--partition', '8', boot])).out);
    expect(i.label).toBe('VMFS5 Test');
    expect(i['partition-table'].partitions).toHaveLength(6);
  });

  it('one VMFS partition (OSDATA alone) is chosen without --partition', async () => {
    const r = await cli(['ls', `${single}::/directory`]);
    // The VMFS-6 reader comes with another branch: until then the FS descriptor's version is refused — at OSDATA's descriptor.
    if (r.code !== 0) expect(r.err).toContain(`at byte ${P.OSDATA!.first * 512 + 0x1300004}`);
    else expect(r.out).toContain('file5');
    const ls = await cli(['info', single]);
    expect(ls.out).toContain('7: start');
    expect(ls.out).toContain('VMFS-L 6.82 "VMFS6 Test"');
  });

  it('partitions and #pN work on the boot disk as on any disk', async () => {
    const j = JSON.parse((await cli(['partitions', '--json', boot])).out);
    expect(j['partition-table'].partitions.map((p: any) => [p.index, p.start])).toEqual(Object.values(P).map((p) => [p.n, p.first * 512]));
    const h = await cli(['hash', '-a', 'sha256', `${boot}#p8`]);
    const want = spawnSync('sha256sum', [v5], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(h.out.split(' ')[0]).toBe(want);
  });
});
