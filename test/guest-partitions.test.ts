/**
 * Guest partitions (issue 13 parts 2–3) on the corpus/guest disk (GPT: FAT32,
 * ext4, NTFS; built by corpus/build-guest.sh with sgdisk, mkfs.vfat+mcopy,
 * mkfs.ext4 -d, mkntfs+ntfscp) and on locker-style damaged copies of it made
 * here with a seeded PRNG:
 *   d1  the first MiB encrypted (primary GPT gone, backup GPT intact);
 *   d2  the first and last MiB plus 1 MiB every 64 MiB (both GPTs gone);
 *   d3  d2 plus each partition's boot sector / ext4 primary superblock.
 * Truth is the undamaged disk: MANIFEST "guest" holds mmls and fls -r -o START
 * of it as recorded by the builder. Recovered partitions must have mmls's
 * start and length; fls -r on each partition view (repaired where the first
 * block is gone) must list what fls -r -o START lists on the undamaged disk.
 */
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs shared with the corpus builder and the oracle check (no types)
import { fls } from '../corpus/tsk/tsk-tools.mjs';
import { readSection } from '../corpus/builders/manifest.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';
import { isOneLineError, runCli } from './helpers/cli.js';
import { extractCase, type CorpusCase } from './helpers/corpus.js';
import { sha256File } from './helpers/hash.js';
import { copyImage } from './helpers/lun-wrap.js';
import { runProcess } from './helpers/proc.js';
import { scratchCleaned } from './helpers/scratch.js';
import { requireTools, TSK } from './helpers/tools.js';

const tmpDir = scratchCleaned();
const MiB = 1 << 20;

interface GuestCase extends CorpusCase {
  sha256: string;
  virtualSize: number;
  mmls: { table: string; partitions: Array<{ slot: string; start: number; end: number; length: number; description: string }> };
  fls: Record<string, string[]>;
}
const guest = readSection<{ cases: Record<string, GuestCase> }>('guest')!.cases.sparse!;
/** The real partitions as mmls lists them (slots 000, 001 …): sectors. */
const truth = guest.mmls.partitions.filter((p) => /^\d+$/.test(p.slot)).map((p) => ({ start: p.start * 512, size: p.length * 512, sector: p.start }));

/** mulberry32: a small seeded PRNG, so every run damages the same bytes. */
function prng(seed: number): (n: number) => Buffer {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
    return b;
  };
}

/** "Encrypt" (overwrite with PRNG bytes) ranges of a copy of `src`. */
function damage(src: string, dest: string, ranges: Array<[number, number]>, seed: number): string {
  copyImage(src, dest);
  const rnd = prng(seed);
  const fd = openSync(dest, 'r+');
  try {
    for (const [at, n] of ranges) writeSync(fd, rnd(n), 0, n, at);
  } finally {
    closeSync(fd);
  }
  return dest;
}

let dir: string;
let raw: string;
let vmdk: string;
const d: Record<'d1' | 'd2' | 'd3', string> = { d1: '', d2: '', d3: '' };
/** The VMFS LUN holding guest.vmdk and d3.vmdk (built by the "inside a VMFS LUN" test). */
let lun = '';

beforeAll(async () => {
  dir = tmpDir('guest-partitions');
  const c = await extractCase<GuestCase>('guest', 'sparse');
  vmdk = c.entry;
  raw = path.join(dir, 'disk.raw');
  const r = await runCli(['convert', vmdk, raw]);
  expect(r.code).toBe(0);
  expect(await sha256File(raw)).toBe(guest.sha256);
  const size = guest.virtualSize;
  const locker: Array<[number, number]> = [[0, MiB], [size - MiB, MiB]];
  for (let at = 48 * MiB; at + MiB < size - MiB; at += 64 * MiB) locker.push([at, MiB]);
  const [fat, ext, ntfs] = truth as [(typeof truth)[0], (typeof truth)[0], (typeof truth)[0]];
  d.d1 = damage(raw, path.join(dir, 'd1.raw'), [[0, MiB]], 1);
  d.d2 = damage(raw, path.join(dir, 'd2.raw'), locker, 2);
  d.d3 = damage(raw, path.join(dir, 'd3.raw'), [...locker, [fat.start, 512], [ext.start + 1024, 1024], [ntfs.start, 512]], 3);
}, 120_000);

async function json(args: string[]): Promise<any> {
  const r = await runCli([...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.toString());
}

/** fls -r -p of a partition view written out by `vmfskit convert` (sparse). */
async function flsOf(addr: string, name: string): Promise<string[]> {
  const out = path.join(dir, `${name}.raw`);
  const r = await runCli(['convert', '--force', addr, out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return fls(out, 0);
}

describe.runIf(requireTools(...TSK))('guest partitions on the corpus/guest disk', () => {
  it('the MANIFEST truth: mmls found three partitions with the files put there', () => {
    expect(truth.map((p) => p.sector)).toEqual([2048, 133120, 526336]);
    expect(guest.fls['2048']).toContain('r/r DOCS/NUMBERS.TXT');
    expect(guest.fls['133120']).toContain('r/r evidence/deep/leaf.txt');
    expect(guest.fls['526336']).toContain('r/r DATA.TXT');
  });

  it('partitions: the GPT of the VMDK and of its raw form, with the file systems named', async () => {
    for (const addr of [vmdk, raw]) {
      const j = await json(['partitions', addr]);
      expect(j['partition-table']).toMatchObject({ scheme: 'gpt', 'sector-size': 512, 'sector-size-from': 'GPT header at byte 512' });
      const parts = j['partition-table'].partitions;
      expect(parts.map((p: any) => ({ start: p.start, size: p.size }))).toEqual(truth.map(({ start, size }) => ({ start, size })));
      expect(parts.map((p: any) => [p.content.fs, p.content.label ?? null])).toEqual([
        ['FAT32', 'GUESTFAT'],
        ['ext4', 'guest-ext4'],
        ['NTFS', null],
      ]);
      expect(parts.map((p: any) => p.typeName)).toEqual(['Microsoft basic data', 'Linux filesystem', 'Microsoft basic data']);
    }
  });

  it('#pN of the VMDK: the partition bytes (hash equals the raw slice) and fls lists what fls -o lists on the whole disk', async () => {
    for (const [i, p] of truth.entries()) {
      const r = await runCli(['hash', '-a', 'sha256', `${vmdk}#p${i + 1}`]);
      expect(r.code).toBe(0);
      const want = (await runProcess('sh', ['-c', `dd if="${raw}" bs=512 skip=${p.sector} count=${p.size / 512} status=none | sha256sum`])).stdout.toString().split(' ')[0];
      expect(r.stdout.toString().split(' ')[0]).toBe(want);
      expect(await flsOf(`${vmdk}#p${i + 1}`, `p${i + 1}`)).toEqual(guest.fls[String(p.sector)]);
    }
  });

  it('map and compare accept #pN: the partition map is the disk map shifted; the view equals the raw slice', async () => {
    const m = await json(['map', `${raw}#p2`]);
    expect(m[0].start).toBe(0);
    expect(m.reduce((n: number, e: any) => n + e.length, 0)).toBe(truth[1]!.size);
    const slice = path.join(dir, 'slice2.raw');
    await runProcess('sh', ['-c', `dd if="${raw}" of="${slice}" bs=512 skip=${truth[1]!.sector} count=${truth[1]!.size / 512} conv=sparse status=none`]);
    const r = await runCli(['compare', `${vmdk}#p2`, slice]);
    expect(r.code).toBe(0);
  });

  it('d1 (first MiB encrypted): the backup GPT gives the table, with a warning; --scan agrees', async () => {
    const j = await json(['partitions', '--scan', d.d1]);
    expect(j['partition-table'].warnings[0]).toMatch(/^primary GPT header at LBA 1: no "EFI PART" signature; using the backup header$/);
    expect(j['partition-table'].partitions.map((p: any) => [p.start, p.size])).toEqual(truth.map((p) => [p.start, p.size]));
    expect(j.scan.backupGpt).toEqual({ lba: guest.virtualSize / 512 - 1, sectorSize: 512 });
    expect(j.scan.candidates.map((c: any) => [c.start, c.size, c.contradicts])).toEqual(truth.map((p) => [p.start, p.size, []]));
  });

  it('d2 (both GPTs and chunks encrypted): no table; --scan recovers the three partitions from their file systems', async () => {
    const r = await runCli(['partitions', d.d2]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`vmfskit: ${d.d2}: no MBR or GPT partition table (try --scan)\n`);
    const j = await json(['partitions', '--scan', d.d2]);
    expect(j['partition-table']).toBeNull();
    expect(j.scan.backupGpt).toBeUndefined();
    expect(j.scan.candidates.map((c: any) => [c.number, c.start, c.size, c.fs, c.contradicts])).toEqual([
      [1, truth[0]!.start, truth[0]!.size, 'FAT32', []],
      [2, truth[1]!.start, truth[1]!.size, 'ext4', []],
      [3, truth[2]!.start, truth[2]!.size, 'NTFS', []],
    ]);
    expect(j.scan.candidates[1].found).toEqual(expect.arrayContaining([`ext4 primary superblock at byte ${truth[1]!.start}`, `ext4 backup superblock of group 1 at byte ${truth[1]!.start + 32 * MiB}`]));
    expect(j.scan.candidates[2].found).toContain(`NTFS backup boot sector at byte ${truth[2]!.start + truth[2]!.size - 512}`);
    for (const [i, p] of truth.entries()) expect(await flsOf(`${d.d2}#p${i + 1}`, `d2p${i + 1}`)).toEqual(guest.fls[String(p.sector)]);
  });

  it('d3 (boot sectors and the ext4 superblock too): found from the backups, and #pN:repaired reads as the undamaged partition', async () => {
    const j = await json(['partitions', '--scan', d.d3]);
    const cands = j.scan.candidates;
    expect(cands.map((c: any) => [c.start, c.size, c.fs, c.primaryDestroyed])).toEqual([
      [truth[0]!.start, truth[0]!.size, 'FAT32', true],
      [truth[1]!.start, truth[1]!.size, 'ext4', true],
      [truth[2]!.start, truth[2]!.size, 'NTFS', true],
    ]);
    for (const c of cands) expect(c.contradicts).toEqual([`no ${c.fs} ${c.fs === 'ext4' ? 'primary superblock' : 'boot sector'} at its start (destroyed or encrypted): read it as #p${c.number}:repaired`]);
    for (const [i, p] of truth.entries()) {
      // Unrepaired, TSK cannot read the partition: the damage is real.
      const plain = await runCli(['convert', '--force', `${d.d3}#p${i + 1}`, path.join(dir, `d3p${i + 1}-plain.raw`)]);
      expect(plain.code).toBe(0);
      expect((await runProcess('fls', ['-r', '-p', path.join(dir, `d3p${i + 1}-plain.raw`)])).code).not.toBe(0);
      expect(await flsOf(`${d.d3}#p${i + 1}:repaired`, `d3p${i + 1}-repaired`)).toEqual(guest.fls[String(p.sector)]);
    }
    const info = await json(['info', `${d.d3}#p2:repaired`]);
    expect(info).toMatchObject({ format: 'partition', number: 2, start: truth[1]!.start, size: truth[1]!.size, from: 'scan' });
    expect(info.patches).toEqual([{ offset: 1024, length: 1024, why: `ext4 primary superblock from the backup of group 1 (byte ${32 * MiB}), s_block_group_nr set to 0, checksum recomputed if metadata_csum` }]);
  });

  it('the repaired ext4 superblock is the undamaged primary except the fields a backup keeps differently', async () => {
    const c = await json(['info', `${d.d3}#p2:repaired`]);
    expect(c.patches).toHaveLength(1);
    const repaired = path.join(dir, 'd3p2-repaired.raw');
    const sb = (f: string, at: number) => {
      const fd = openSync(f, 'r');
      const b = Buffer.alloc(1024);
      readSync(fd, b, 0, 1024, at);
      closeSync(fd);
      return b;
    };
    const orig = sb(raw, truth[1]!.start + 1024);
    const rep = sb(repaired, 1024);
    const differing: number[] = [];
    for (let i = 0; i < 1024; i++) if (orig[i] !== rep[i]) differing.push(i);
    // e2fsprogs writes backups with s_state's clean bit cleared (0x3A) and so their own checksum (0x3FC): nothing else differs here.
    expect(differing.filter((i) => i < 0x3fc)).toEqual([0x3a]);
    expect(orig.readUInt16LE(0x3a) & 1).toBe(1);
    expect(rep.readUInt16LE(0x3a) & 1).toBe(0);
  });

  it.runIf(requireTools('/dev/fuse', 'fusermount'))('the mount shows each partition next to the disk, and the repaired views of d3', async () => {
    const { unmount } = await import('./helpers/fuse.js');
    const mnt = path.join(dir, 'mnt');
    mkdirSync(mnt, { recursive: true });
    const m = await runCli(['mount', d.d3, mnt]);
    expect(m.code).toBe(0);
    try {
      expect(readdirSync(mnt).sort()).toEqual(['.vmfskit-info.txt', 'd3-p1-repaired.raw', 'd3-p1.raw', 'd3-p2-repaired.raw', 'd3-p2.raw', 'd3-p3-repaired.raw', 'd3-p3.raw', 'd3.raw']);
      for (const [i, p] of truth.entries()) expect(fls(path.join(mnt, `d3-p${i + 1}-repaired.raw`), 0)).toEqual(guest.fls[String(p.sector)]);
      expect(readFileSync(path.join(mnt, '.vmfskit-info.txt'), 'utf8')).toContain(`/d3-p2-repaired.raw: ${truth[1]!.size} bytes, partition 2 of /d3.raw at byte ${truth[1]!.start} — REPAIRED view`);
    } finally {
      await runCli(['umount', mnt]);
      await unmount(mnt);
    }
  }, 60_000);

  it('inside a VMFS LUN: lun.img::/VM/guest.vmdk#p2 and the damaged copy :repaired, as on the host', async () => {
    const d3vmdk = path.join(dir, 'd3.vmdk');
    expect((await runProcess('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', d.d3, d3vmdk])).code).toBe(0);
    lun = path.join(dir, 'lun.img');
    await buildVmfs5(
      {
        label: 'GUESTS',
        createTime: 1700000000,
        uuidSeed: 13,
        partitionTable: 'gpt',
        root: [{ type: 'dir', name: 'VM', children: [{ type: 'file', name: 'guest.vmdk', content: { kind: 'file', path: vmdk } }, { type: 'file', name: 'd3.vmdk', content: { kind: 'file', path: d3vmdk } }] }],
      },
      lun,
    );
    const j = await json(['partitions', `${lun}::/VM/guest.vmdk`]);
    expect(j['partition-table'].partitions.map((p: any) => [p.start, p.size])).toEqual(truth.map((p) => [p.start, p.size]));
    expect(await flsOf(`${lun}::/VM/guest.vmdk#p2`, 'lun-p2')).toEqual(guest.fls[String(truth[1]!.sector)]);
    expect(await flsOf(`${lun}::/VM/d3.vmdk#p3:repaired`, 'lun-d3p3')).toEqual(guest.fls[String(truth[2]!.sector)]);
  }, 120_000);

  it.runIf(requireTools('/dev/fuse', 'fusermount'))('the datastore mount shows each disk\'s partitions, and d3\'s repaired views, next to it under .disks', async () => {
    expect(lun).not.toBe('');
    // The datastore mount: each disk's partitions (and d3's repaired views) next to it under .disks.
    const { unmount } = await import('./helpers/fuse.js');
    const mnt = path.join(dir, 'mnt-lun');
    mkdirSync(mnt, { recursive: true });
    expect((await runCli(['mount', lun, mnt])).code).toBe(0);
    try {
      const views = readdirSync(path.join(mnt, '.disks', 'VM')).sort();
      expect(views).toEqual(['d3-p1-repaired.raw', 'd3-p1.raw', 'd3-p2-repaired.raw', 'd3-p2.raw', 'd3-p3-repaired.raw', 'd3-p3.raw', 'd3.raw', 'guest-p1.raw', 'guest-p2.raw', 'guest-p3.raw', 'guest.raw']);
      expect(fls(path.join(mnt, '.disks', 'VM', 'guest-p1.raw'), 0)).toEqual(guest.fls[String(truth[0]!.sector)]);
      expect(fls(path.join(mnt, '.disks', 'VM', 'd3-p2-repaired.raw'), 0)).toEqual(guest.fls[String(truth[1]!.sector)]);
    } finally {
      await runCli(['umount', mnt]);
      await unmount(mnt);
    }
  }, 60_000);
});

describe('bad input: clear lines, documented exit codes, bounded work', () => {
  it('256 MiB of random data and 256 MiB of zeros: --scan finds nothing, exit 3, in bounded time', async () => {
    const rnd = path.join(dir, 'random.bin');
    const fd = openSync(rnd, 'w');
    const gen = prng(99);
    for (let i = 0; i < 256; i++) writeSync(fd, gen(MiB));
    closeSync(fd);
    const zeros = path.join(dir, 'zeros.bin');
    writeFileSync(zeros, Buffer.alloc(0));
    truncateSync(zeros, 256 * MiB);
    for (const f of [rnd, zeros]) {
      const t0 = Date.now();
      const r = await runCli(['partitions', '--scan', f]);
      expect(r.code).toBe(3);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/: no partition table, and the scan \(\d+ places probed\) found no partition or file system\n$/);
      expect(r.stdout.toString()).toContain('0 candidate(s)');
      expect(Date.now() - t0).toBeLessThan(30_000);
      const p = await runCli(['cat', `${f}#p1`]);
      expect(p.code).toBe(2);
      expect(p.stderr).toBe(`vmfskit: ${f}: no partition table, and a scan found no partition: no partition 1 (see: vmfskit partitions --scan)\n`);
    }
  }, 120_000);

  it('a truncated disk: the table entry and the scan candidate past the end are named; #p3 refuses to open', async () => {
    const cut = path.join(dir, 'truncated.raw');
    copyImage(raw, cut);
    truncateSync(cut, 300 * MiB);
    const j = await json(['partitions', cut]);
    // The primary GPT is intact; its entry 3 now runs past the end.
    expect(j['partition-table'].partitions[2].problems).toEqual([`spans LBA 526336–788479, past the end of the disk (${300 * MiB} bytes)`]);
    const r = await runCli(['cat', `${cut}#p3`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`vmfskit: ${cut}: GPT entry 3: partition 3 spans LBA 526336–788479, past the end of the disk (${300 * MiB} bytes)\n`);
    const noTable = damage(cut, path.join(dir, 'truncated-d2.raw'), [[0, MiB]], 4);
    const s = await json(['partitions', '--scan', noTable]);
    const ntfs = s.scan.candidates.find((c: any) => c.fs === 'NTFS');
    expect(ntfs).toMatchObject({ start: truth[2]!.start, size: truth[2]!.size });
    expect(ntfs.contradicts).toContain(`runs past the end of the disk (${300 * MiB} bytes) by ${truth[2]!.start + truth[2]!.size - 300 * MiB} bytes`);
    const p = await runCli(['cat', `${noTable}#p3`]);
    expect(p.code).toBe(3);
    expect(isOneLineError(p.stderr)).toBe(true);
    expect(p.stderr).toMatch(/scan candidate 3 \(NTFS\) at byte 269484032 runs \d+ bytes past the end of the disk/);
  }, 60_000);

  it('a file whose name ends in #p1 is that file; #p0, #p1x and #p1:other are no partition suffixes', async () => {
    const odd = path.join(dir, 'odd#p1');
    copyFileSync(path.join(dir, 'd1.raw'), odd);
    const r = await runCli(['hash', '-a', 'sha256', odd]);
    expect(r.code).toBe(0);
    expect(r.stdout.toString().split(' ')[0]).toBe(await sha256File(odd));
    expect(statSync(odd).size).toBe(guest.virtualSize);
    for (const bad of ['#p0', '#p1x', '#p1:other']) {
      const x = await runCli(['cat', `${raw}${bad}`]);
      expect(x.code).toBe(2);
      expect(x.stderr).toBe(`vmfskit: ${raw}${bad}: cannot open: no such file or directory\n`);
    }
  });
});
