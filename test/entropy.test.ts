/**
 * vmfskit entropy (issue 13 part 1): windows classified as zero / data /
 * compressed / random; the runs must cover exactly the ranges a seeded
 * "locker" made random, window-aligned, and nothing else — on a raw disk,
 * on a FAT/ext4 guest disk (the TSK corpus disk), and on that disk as a
 * flat VMDK inside a VMFS-5 LUN.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync, ftruncateSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { runCli, isOneLineError } from './helpers/cli.js';
import { scratchCleaned } from './helpers/scratch.js';
import { CORPUS } from './helpers/paths.js';
import { sha256File } from './helpers/hash.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildVmfs5, type VolumeSpec } from '../corpus/builders/vmfs5/index.js';
import { damageCopy, prng } from '../corpus/builders/locker-damage.js';
import { classify, addHistogram, CHI2_UNIFORM_MAX, CLASSES, HIGH_ENTROPY } from '../src/analyze/entropy-stats.js';
import { crc32 } from '../src/analyze/png.js';
import { COLOURS } from '../src/analyze/entropy-picture.js';

const MiB = 1 << 20;
const scratch = scratchCleaned();

function stats(buf: Uint8Array) {
  const c = new Uint32Array(256);
  addHistogram(buf, c);
  const s = classify(c, buf.length);
  return { cls: CLASSES[s.cls], entropy: s.entropy, chi: s.chiSquare };
}

/** Text-like and record-like bytes (what file systems hold), from a seeded generator. */
function structured(bytes: number, seed: number): Buffer {
  const words = ['evidence', 'snapshot', 'datastore', 'vmdk', 'the', 'of', 'and', 'grain', 'sector', 'examiner', 'ransom', 'note', 'log', 'error', 'user'];
  const r = prng(seed);
  const rnd = Buffer.alloc(4);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    r(rnd);
    const v = rnd.readUInt32LE(0);
    const s = v % 7 === 0 ? `${v % 100000}\t${(v >>> 8) % 977}\n` : words[v % words.length]! + (v % 5 === 0 ? '.\n' : ' ');
    parts.push(s);
    n += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

type Range = [start: number, end: number];

interface Json {
  size: number;
  window: number;
  bytesRead: number;
  totals: Record<string, number>;
  partitions: { index: number; start: number; size: number }[];
  runs: { start: number; end: number; length: number; class: string; entropy: number; chiSquare: number; windows: number }[];
}

async function entropyJson(args: string[]): Promise<Json> {
  const r = await runCli(['entropy', '--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Json;
}

function runsOf(j: Json, cls: string): Range[] {
  return j.runs.filter((r) => r.class === cls).map((r) => [r.start, r.end]);
}

/** Merge touching ranges, as the runs merge touching windows. */
function merged(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && last[1] >= a) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

describe('the classifier (entropy-stats.ts)', () => {
  it('seeded random bytes are random; zeros zero; text data', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const s = stats(prng(seed)(Buffer.alloc(MiB)));
      expect(s.cls).toBe('random');
      expect(s.entropy).toBeGreaterThan(7.999);
      expect(s.chi).toBeLessThan(CHI2_UNIFORM_MAX);
    }
    expect(stats(Buffer.alloc(MiB)).cls).toBe('zero');
    const t = stats(structured(MiB, 3));
    expect(t.cls).toBe('data');
    expect(t.entropy).toBeLessThan(HIGH_ENTROPY);
  });

  it('deflate output has high entropy but is not called random in 1 MiB windows (chi-square rejects uniformity)', () => {
    // Structured data at two levels: raw deflate, as in zip members and stream-optimized grains.
    const src = structured(16 * MiB, 11);
    for (const level of [1, 9]) {
      const z = zlib.deflateRawSync(src, { level });
      const windows = Math.floor(z.length / MiB);
      expect(windows).toBeGreaterThanOrEqual(2);
      for (let w = 0; w < windows; w++) {
        const s = stats(z.subarray(w * MiB, (w + 1) * MiB));
        expect(s.entropy).toBeGreaterThanOrEqual(HIGH_ENTROPY);
        expect(s.cls, `level ${level} window ${w}: chi-square ${s.chi.toFixed(0)}`).toBe('compressed');
      }
    }
  });
});

describe('vmfskit entropy on built disks', () => {
  const dir = scratch('entropy-built');
  const disk = path.join(dir, 'disk.raw');
  const randomRanges: Range[] = [
    [0, MiB],
    [33 * MiB, 35 * MiB],
    [95 * MiB, 96 * MiB],
  ];
  const textRange: Range = [10 * MiB, 20 * MiB];

  beforeAll(() => {
    // 96 MiB, mostly holes; random, text and explicitly written zeros at window-aligned places.
    const fd = openSync(disk, 'w');
    ftruncateSync(fd, 96 * MiB);
    randomRanges.forEach(([a, b], i) => writeSync(fd, prng(100 + i)(Buffer.alloc(b - a)), 0, b - a, a));
    writeSync(fd, structured(textRange[1] - textRange[0], 7), 0, textRange[1] - textRange[0], textRange[0]);
    writeSync(fd, Buffer.alloc(MiB), 0, MiB, 50 * MiB);
    closeSync(fd);
    chmodSync(disk, 0o444);
  });

  it('the runs are exactly the random, text and zero ranges; holes are not read', async () => {
    const j = await entropyJson([disk]);
    expect(j.size).toBe(96 * MiB);
    expect(j.window).toBe(MiB);
    expect(runsOf(j, 'random')).toEqual(randomRanges);
    expect(runsOf(j, 'data')).toEqual([textRange]);
    expect(runsOf(j, 'compressed')).toEqual([]);
    expect(j.totals.zero).toBe(96 * MiB - 4 * MiB - 10 * MiB);
    // Every byte is in exactly one run, in order.
    let at = 0;
    for (const r of j.runs) {
      expect(r.start).toBe(at);
      expect(r.end - r.start).toBe(r.length);
      at = r.end;
    }
    expect(at).toBe(96 * MiB);
    // Holes come from map(): at most the written 15 MiB (+ file-system rounding) were read.
    expect(j.bytesRead).toBeGreaterThanOrEqual(15 * MiB);
    expect(j.bytesRead).toBeLessThan(20 * MiB);
  });

  it('one thread and the worker threads give the same result; other window sizes stay aligned', async () => {
    const a = await entropyJson([disk]);
    const b = await entropyJson(['--threads', '1', disk]);
    expect(b.runs).toEqual(a.runs);
    const c = await entropyJson(['--window', '256K', disk]);
    expect(runsOf(c, 'random')).toEqual(randomRanges);
    expect(runsOf(c, 'data')).toEqual([textRange]);
  });

  it('text output: one line per run', async () => {
    const r = await runCli(['entropy', disk]);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# .*disk\.raw: 100663296 bytes .*window 1048576 bytes; high entropy: H >= 7\.9/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/).slice(0, 4))).toEqual([
      ['0', String(MiB), String(MiB), 'random'],
      [String(MiB), String(10 * MiB), String(9 * MiB), 'zero'],
      [String(10 * MiB), String(20 * MiB), String(10 * MiB), 'data'],
      [String(20 * MiB), String(33 * MiB), String(13 * MiB), 'zero'],
      [String(33 * MiB), String(35 * MiB), String(2 * MiB), 'random'],
      [String(35 * MiB), String(95 * MiB), String(60 * MiB), 'zero'],
      [String(95 * MiB), String(96 * MiB), String(MiB), 'random'],
    ]);
  });

  it('--png: a valid PNG whose strip shows the classes where they lie; never overwritten without --force', async () => {
    const png = path.join(dir, 'map.png');
    const r = await runCli(['entropy', '--png', png, disk]);
    expect(r.code).toBe(0);
    const img = readFileSync(png);
    expect(img.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // Walk the chunks, checking every CRC; gather IDAT.
    let at = 8;
    const idat: Buffer[] = [];
    let width = 0;
    let height = 0;
    for (;;) {
      const len = img.readUInt32BE(at);
      const type = img.toString('latin1', at + 4, at + 8);
      expect(img.readUInt32BE(at + 8 + len)).toBe(crc32(img.subarray(at + 4, at + 8 + len)));
      if (type === 'IHDR') {
        width = img.readUInt32BE(at + 8);
        height = img.readUInt32BE(at + 12);
        expect([...img.subarray(at + 16, at + 21)]).toEqual([8, 2, 0, 0, 0]);
      }
      if (type === 'IDAT') idat.push(img.subarray(at + 8, at + 8 + len));
      at += 12 + len;
      if (type === 'IEND') break;
    }
    expect(at).toBe(img.length);
    const raw = zlib.inflateSync(Buffer.concat(idat));
    expect(raw.length).toBe((width * 3 + 1) * height);
    const px = (x: number, y: number) => [...raw.subarray(y * (width * 3 + 1) + 1 + x * 3, y * (width * 3 + 1) + 4 + x * 3)];
    // The strip: the row whose pixels at the 35-95 MiB stretch are all "zero" grey. 96 windows over
    // 1024 px: window w covers x = sx + floor(w * 1024 / 96) ...
    const sx = 16 + 8 * 12;
    const at1 = (mib: number) => sx + Math.floor(((mib + 0.5) * 1024) / 96);
    let y = -1;
    for (let yy = 0; yy < height && y < 0; yy++) if (px(at1(0.2), yy).join() === COLOURS.random.join() && px(at1(60), yy).join() === COLOURS.zero.join()) y = yy;
    expect(y).toBeGreaterThan(0);
    expect(px(at1(0), y)).toEqual([...COLOURS.random]);
    expect(px(at1(15), y)).toEqual([...COLOURS.data]);
    expect(px(at1(34), y)).toEqual([...COLOURS.random]);
    expect(px(at1(50), y)).toEqual([...COLOURS.zero]);
    expect(px(at1(95), y)).toEqual([...COLOURS.random]);
    const again = await runCli(['entropy', '--png', png, disk]);
    expect(again.code).toBe(2);
    expect(isOneLineError(again.stderr)).toBe(true);
    expect(again.stderr).toContain('already exists (use --force to replace it)');
    expect(existsSync(`${png}.partial`)).toBe(false);
    expect((await runCli(['entropy', '--force', '--png', png, disk])).code).toBe(0);
  });

  it('a gzip file of structured data: every full window compressed, none random', async () => {
    const gz = path.join(dir, 'logs.gz');
    writeFileSync(gz, zlib.gzipSync(structured(20 * MiB, 21), { level: 6 }));
    const j = await entropyJson([gz]);
    const full = Math.floor(j.size / MiB);
    expect(full).toBeGreaterThanOrEqual(4);
    expect(runsOf(j, 'random')).toEqual([]);
    expect(runsOf(j, 'compressed')).toEqual([[0, j.size]]);
  });

  it('bad options: one line, exit 2', async () => {
    for (const args of [['--window', '1000'], ['--window', '2K'], ['--threads', '0']]) {
      const r = await runCli(['entropy', ...args, disk]);
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr)).toBe(true);
    }
    const r = await runCli(['entropy', path.join(dir, 'missing.raw')]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
  });
});

interface TskSection {
  cases: Record<string, { entry: string; sha256: string; virtualSize: number }>;
  mmls: { partitions: { slot: string; start: number; length: number }[] };
}

/**
 * Locker-style damage on the TSK corpus guest disk (MBR, FAT16, ext4 with files), grown to 200 MiB
 * (zeros appended: the table and file systems stay valid): "first" encrypts the first MiB;
 * "spread" the first and last MiB and a MiB every 64 MiB, as ESXiArgs-style lockers do.
 */
describe('locker-damaged FAT/ext4 guest disk: the random runs are the damaged ranges', () => {
  const tsk = readSection<TskSection>('tsk')!;
  const dir = scratch('entropy-locker');
  const SIZE = 200 * MiB;
  const damage: Record<string, Range[]> = {
    first: [[0, MiB]],
    spread: merged([[0, MiB], [64 * MiB, 65 * MiB], [128 * MiB, 129 * MiB], [192 * MiB, 193 * MiB], [SIZE - MiB, SIZE]]),
  };
  const guest = path.join(dir, 'guest.raw');

  beforeAll(async () => {
    expect(spawnSync('tar', ['xzf', path.join(CORPUS, 'tsk', 'tsk.tar.gz'), '-C', dir]).status).toBe(0);
    const conv = await runCli(['convert', '-q', path.join(dir, tsk.cases.stream!.entry), guest]);
    expect(conv.code).toBe(0);
    expect(await sha256File(guest)).toBe(tsk.cases.stream!.sha256);
    for (const [name, ranges] of Object.entries(damage)) {
      expect(damageCopy(guest, path.join(dir, `${name}.raw`), SIZE, name as 'first' | 'spread')).toEqual(ranges);
    }
    const sectors = SIZE / 512;
    const descriptor = ['# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="vmfs"', '', `RW ${sectors} VMFS "VM-flat.vmdk"`, '', 'ddb.thinProvisioned = "1"', ''].join('\n');
    const spec: VolumeSpec = {
      label: 'locked',
      createTime: 1700000000,
      uuidSeed: 13,
      partitionTable: 'gpt',
      root: [
        {
          type: 'dir',
          name: 'VM',
          children: [
            { type: 'file', name: 'VM.vmdk', content: { kind: 'text', text: descriptor } },
            { type: 'file', name: 'VM-flat.vmdk', content: { kind: 'file', path: path.join(dir, 'spread.raw') }, provisioning: 'sparse' },
          ],
        },
      ],
    };
    await buildVmfs5(spec, path.join(dir, 'lun.img'));
  }, 120_000);

  it('the undamaged guest: no random or compressed window, and the picture gets the MBR partitions mmls lists', async () => {
    const j = await entropyJson([guest]);
    expect(runsOf(j, 'random')).toEqual([]);
    expect(runsOf(j, 'compressed')).toEqual([]);
    const mmls = tsk.mmls.partitions.filter((p) => /^\d{3}:\d{3}$/.test(p.slot));
    expect(j.partitions).toEqual(mmls.map((p, i) => ({ index: i + 1, start: p.start * 512, size: p.length * 512 })));
  });

  for (const name of ['first', 'spread']) {
    it(`${name}: raw`, async () => {
      const j = await entropyJson([path.join(dir, `${name}.raw`)]);
      expect(runsOf(j, 'random')).toEqual(damage[name]);
      expect(runsOf(j, 'compressed')).toEqual([]);
      // The MBR is in the first MiB: ciphertext, so no partitions to draw.
      expect(j.partitions).toEqual([]);
    });
  }

  it('spread: the same disk as a thin flat VMDK inside a VMFS-5 LUN', async () => {
    const j = await entropyJson([`${path.join(dir, 'lun.img')}::/VM/VM.vmdk`]);
    expect(j.size).toBe(SIZE);
    expect(runsOf(j, 'random')).toEqual(damage.spread);
    expect(runsOf(j, 'compressed')).toEqual([]);
    const png = path.join(dir, 'lun.png');
    expect((await runCli(['entropy', '--png', png, `${path.join(dir, 'lun.img')}::/VM/VM.vmdk`])).code).toBe(0);
    expect(statSync(png).size).toBeGreaterThan(1000);
  });

});
