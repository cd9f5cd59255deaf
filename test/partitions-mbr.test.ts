/**
 * `partitions` on MBR disks: primary, extended and logical partitions (sfdisk
 * writes the table, mmls is the oracle for where they are), file systems in
 * logical partitions (mkfs.ext4, mkswap), a loop in the EBR chain (no hang:
 * a warning), and the corpus/tsk MBR disk as a VMDK.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli } from './helpers/cli.js';
import { extractCase, type CorpusCase } from './helpers/corpus.js';
import { scratchCleaned } from './helpers/scratch.js';
import { requireTools } from './helpers/tools.js';

const tmpDir = scratchCleaned();
const S = 512;

async function partitions(addr: string): Promise<any> {
  const r = await runCli(['partitions', '--json', addr]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.toString());
}

/** mmls rows that are partitions ("000:000" style slots, and the extended containers), as [start, length, description]. */
function mmlsRows(img: string): Array<[number, number, string]> {
  const out = spawnSync('mmls', [img], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => /^\d+:\s+(\S+)\s+(\d+)\s+\d+\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && (/^\d+:\d+$/.test(m[1]!) || /Extended \(0x05\)/.test(m[4]!)))
    .map((m) => [Number(m[2]), Number(m[3]), m[4]!.trim()]);
}

describe.runIf(requireTools('sfdisk', 'mmls', 'mkfs.ext4', 'mkswap'))('MBR with extended and logical partitions', () => {
  let img: string;
  beforeAll(() => {
    const dir = tmpDir('partitions-mbr');
    img = path.join(dir, 'mbr.img');
    spawnSync('truncate', ['-s', '64M', img]);
    const table = 'label: dos\nunit: sectors\n\nstart=2048, size=16384, type=83\nstart=18432, size=110000, type=5\nstart=20480, size=20480, type=83\nstart=43008, size=20480, type=82\n';
    expect(spawnSync('sfdisk', ['-q', img], { input: table }).status).toBe(0);
    const ext = path.join(dir, 'ext.img');
    spawnSync('truncate', ['-s', `${20480 * S}`, ext]);
    expect(spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'logical5', ext]).status).toBe(0);
    const swap = path.join(dir, 'swap.img');
    spawnSync('truncate', ['-s', `${20480 * S}`, swap]);
    expect(spawnSync('mkswap', ['-L', 'swap6', swap], { encoding: 'utf8' }).status).toBe(0);
    expect(spawnSync('dd', [`if=${ext}`, `of=${img}`, 'bs=512', 'seek=20480', 'conv=notrunc,sparse', 'status=none']).status).toBe(0);
    expect(spawnSync('dd', [`if=${swap}`, `of=${img}`, 'bs=512', 'seek=43008', 'conv=notrunc,sparse', 'status=none']).status).toBe(0);
  });

  it('lists 1, the extended container 2, and logicals 5 and 6 where mmls puts them, with their file systems', async () => {
    const j = await partitions(img);
    const parts = j['partition-table'].partitions;
    expect(parts.map((p: any) => [p.index, p.start / S, p.size / S, p.type, p.container ?? false])).toEqual([
      [1, 2048, 16384, '0x83', false],
      [2, 18432, 110000, '0x05', true],
      [5, 20480, 20480, '0x83', false],
      [6, 43008, 20480, '0x82', false],
    ]);
    // mmls: the same starts and lengths (it lists each EBR's extended link too: 40960+22528).
    const rows = mmlsRows(img);
    for (const p of parts) expect(rows.some(([s, l]) => s === p.start / S && l === p.size / S)).toBe(true);
    expect(parts.map((p: any) => p.holds)).toEqual(['unknown', 'extended partition (holds the logical partitions)', expect.stringMatching(/^ext4 "logical5" id [0-9a-f-]{36}$/), expect.stringMatching(/^swap "swap6"$/)]);
    expect(parts[3].content.size).toBe(20480 * S);
    expect(j['partition-table'].warnings).toEqual([]);
  });

  it('#p5 is the logical partition; #p2 (the container) is refused', async () => {
    const h = await runCli(['hash', '-a', 'md5', `${img}#p5`]);
    const want = spawnSync('sh', ['-c', `dd if="${img}" bs=512 skip=20480 count=20480 status=none | md5sum`], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(h.stdout.toString().split(' ')[0]).toBe(want);
    const c = await runCli(['cat', `${img}#p2`]);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(`vmfskit: ${img}: partition 2 is an extended partition (a container); its logical partitions are 5, 6\n`);
  });

  it('an EBR chain that loops back: the logical partitions before the loop, a warning, no hang', async () => {
    const looped = img.replace(/\.img$/, '-loop.img');
    spawnSync('cp', ['--sparse=always', img, looped]);
    // The second EBR (sector 40960) gets a "next EBR" entry pointing back to the first (relative sector 0).
    const next = Buffer.alloc(16);
    next[4] = 0x05;
    next.writeUInt32LE(0, 8);
    next.writeUInt32LE(2048, 12);
    const fd = openSync(looped, 'r+');
    writeSync(fd, next, 0, 16, 40960 * S + 446 + 16);
    closeSync(fd);
    const t0 = Date.now();
    const j = await partitions(looped);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(j['partition-table'].partitions.map((p: any) => p.index)).toEqual([1, 2, 5, 6]);
    expect(j['partition-table'].warnings).toEqual(['extended partition 2: the EBR chain loops back to sector 18432; stopped there']);
  });
});

interface TskCase extends CorpusCase {
  sha256: string;
}

describe.runIf(requireTools('mmls'))('the corpus/tsk MBR disk as a VMDK', () => {
  it('partitions lists what MANIFEST "tsk" recorded from mmls', async () => {
    const c = await extractCase<TskCase>('tsk', 'sparse');
    const mm = readSection<{ mmls: { partitions: Array<{ slot: string; start: number; length: number }> } }>('tsk')!.mmls;
    const want = mm.partitions.filter((p) => /^\d+:\d+$/.test(p.slot)).map((p) => [p.start * S, p.length * S]);
    const j = await partitions(c.entry);
    expect(j['partition-table'].partitions.map((p: any) => [p.start, p.size])).toEqual(want);
    expect(j['partition-table'].partitions.map((p: any) => p.content?.fs)).toEqual(['FAT16', 'ext4']);
    expect(j['partition-table'].partitions[0].content.label).toBe('VMFSKITFAT');
  });
});
