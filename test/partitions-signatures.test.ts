/**
 * The file-system signatures `partitions` and `--scan` name, against images
 * made by the real tools (mkfs.xfs, mkfs.exfat, cryptsetup luksFormat,
 * mkswap, mkfs.ext2/3/4, mkfs.vfat) with util-linux `blkid -p` as the
 * independent judge of type and label; then all of them laid out in a disk
 * without any table, found by --scan at their starts with their sizes.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { identifyHead } from '../src/partition/fs-probe.js';
import { runCli } from './helpers/cli.js';
import { copySparse } from './helpers/lun-wrap.js';
import { scratchCleaned } from './helpers/scratch.js';
import { requireTools } from './helpers/tools.js';

const tmpDir = scratchCleaned();
const MiB = 1 << 20;

interface Made {
  name: string;
  mib: number;
  make: (f: string) => string[];
  /** What vmfskit calls it, and what blkid -p calls it. */
  ours: string;
  blkid: string;
  label?: string;
}

const IMAGES: Made[] = [
  { name: 'xfs', mib: 300, make: (f) => ['mkfs.xfs', '-q', '-L', 'xfslab', f], ours: 'XFS', blkid: 'xfs', label: 'xfslab' },
  { name: 'exfat', mib: 16, make: (f) => ['mkfs.exfat', '-L', 'exlab', f], ours: 'exFAT', blkid: 'exfat' },
  { name: 'luks2', mib: 32, make: (f) => ['sh', '-c', `printf pw | cryptsetup luksFormat -q --type luks2 --label lukslab --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "${f}" -`], ours: 'LUKS2 (encrypted)', blkid: 'crypto_LUKS', label: 'lukslab' },
  { name: 'swap', mib: 8, make: (f) => ['mkswap', '-L', 'swaplab', f], ours: 'swap', blkid: 'swap', label: 'swaplab' },
  { name: 'ext2', mib: 8, make: (f) => ['mkfs.ext2', '-q', '-F', '-L', 'e2lab', f], ours: 'ext2', blkid: 'ext2', label: 'e2lab' },
  { name: 'ext3', mib: 16, make: (f) => ['mkfs.ext3', '-q', '-F', '-L', 'e3lab', f], ours: 'ext3', blkid: 'ext3', label: 'e3lab' },
  { name: 'fat12', mib: 4, make: (f) => ['mkfs.vfat', '-F', '12', '-n', 'F12LAB', f], ours: 'FAT12', blkid: 'vfat', label: 'F12LAB' },
  { name: 'fat16', mib: 32, make: (f) => ['mkfs.vfat', '-F', '16', '-n', 'F16LAB', f], ours: 'FAT16', blkid: 'vfat', label: 'F16LAB' },
];

function blkid(f: string): Record<string, string> {
  const r = spawnSync('blkid', ['-p', '-o', 'export', f], { encoding: 'utf8' });
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function head(f: string): Buffer {
  const b = Buffer.alloc(8192);
  const fd = openSync(f, 'r');
  readSync(fd, b, 0, b.length, 0);
  closeSync(fd);
  return b;
}

describe.runIf(requireTools('blkid', 'mkfs.xfs', 'mkfs.exfat', 'cryptsetup', 'mkswap', 'mkfs.ext2', 'mkfs.vfat'))('file-system signatures', () => {
  const made: Record<string, string> = {};
  let dir: string;
  beforeAll(() => {
    dir = tmpDir('signatures');
    for (const m of IMAGES) {
      const f = path.join(dir, `${m.name}.img`);
      const fd = openSync(f, 'w');
      ftruncateSync(fd, m.mib * MiB);
      closeSync(fd);
      const [cmd, ...args] = m.make(f);
      const r = spawnSync(cmd!, args, { encoding: 'utf8' });
      expect(r.status, `${m.name}: ${r.stderr}`).toBe(0);
      made[m.name] = f;
    }
  }, 120_000);

  it('each image: blkid -p names the type and label the probe names', () => {
    for (const m of IMAGES) {
      const b = blkid(made[m.name]!);
      expect(b.TYPE, m.name).toBe(m.blkid);
      const found = identifyHead(head(made[m.name]!));
      expect(found?.fs, m.name).toBe(m.ours);
      if (m.label) {
        expect(b.LABEL, m.name).toBe(m.label);
        expect(found?.label, m.name).toBe(m.label);
      }
      if (found?.size !== undefined && m.name !== 'xfs') expect(found.size, m.name).toBeLessThanOrEqual(m.mib * MiB);
    }
  });

  it('BitLocker (no Linux tool makes one): a boot sector with the -FVE-FS- OEM id is reported as such', () => {
    const b = Buffer.alloc(8192);
    b.write('\xeb\x58\x90-FVE-FS-', 0, 'latin1');
    b.writeUInt16LE(0xaa55, 510);
    expect(identifyHead(b)).toEqual({ fs: 'BitLocker (encrypted)' });
  });

  it('all of them in one disk without a table: --scan finds each at its start, with the tools\' sizes', async () => {
    const disk = path.join(dir, 'notable.raw');
    let at = MiB;
    const want: Array<[number, string]> = [];
    const total = IMAGES.reduce((n, m) => n + m.mib * MiB, 2 * MiB);
    const fd = openSync(disk, 'w');
    ftruncateSync(fd, total);
    for (const m of IMAGES) {
      copySparse(made[m.name]!, fd, at);
      want.push([at, m.ours]);
      at += m.mib * MiB;
    }
    writeSync(fd, Buffer.from('not a partition table'), 0, 21, 0);
    closeSync(fd);
    const r = await runCli(['partitions', '--scan', '--json', disk]);
    expect(r.code).toBe(0);
    const cands = JSON.parse(r.stdout.toString()).scan.candidates as Array<{ start: number; fs: string; size?: number; contradicts: string[] }>;
    expect(cands.map((c) => [c.start, c.fs])).toEqual(want);
    for (const c of cands) expect(c.contradicts).toEqual([]);
    // Sizes the file systems record: XFS dblocks × block size = the whole image; swap (last_page+1) × 4 KiB.
    expect(cands.find((c) => c.fs === 'XFS')!.size).toBe(300 * MiB);
    expect(cands.find((c) => c.fs === 'swap')!.size).toBe(8 * MiB);
    expect(statSync(disk).size).toBe(total);
  });
});
