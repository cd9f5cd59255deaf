/**
 * Records the oracles' view of every VMDK corpus case into the "vmdk"
 * section of corpus/MANIFEST, so that `npm test` needs no oracle tool; and
 * with --check re-runs the oracles on the committed archives and compares
 * (corpus/oracles/vmdk.sh). Record mode is run by corpus/build-vmdk.sh after
 * it has made the images; it reads its case list (TSV, one case a line):
 *
 *   name  archive  caseDir  entry  expectRaw|-  seed|-  writer|-  about  why|-  refMap|-
 *
 * seed: the case's content is pattern(virtualSize, seed) — tests may
 * regenerate it; writer: "vmware-stream-writer" when our own writer made
 * the file (--check then rebuilds it from the pattern and runs qemu-img on it);
 * refMap: a JSON map file, given where qemu-img is known wrong (ZERO/RDONLY
 * extents): expectRaw and refMap (built from the format reference) then
 * decide virtualSize, sha256 and map, and qemu-img's view goes under "qemu".
 *
 * For each case: qemu-img info/map/convert (sha256 of the raw content),
 * vmdkinfo's media size, and every file's size and sha256. When expectRaw
 * names a file (the bytes the image was built from, or the same writes
 * applied to a raw copy), qemu-img's raw output must equal it, or the case
 * is rejected and the build fails.
 *
 *   node dist/corpus/builders/vmdk-record.js CASES.tsv
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR, readSection, writeSection } from './manifest.js';
import { writePatternFile } from './pattern.js';
import { writeVmwareStream } from './vmware-stream-writer.js';

interface MapRun {
  start: number;
  length: number;
  zero: boolean;
  depth: number;
}

interface QemuMapEntry {
  start: number;
  length: number;
  depth: number;
  zero: boolean;
  data: boolean;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function qemuImg(args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/**
 * qemu-img map reduced to what every reader can agree on: reads-as-zero or
 * has data, and the chain layer that answers (depth); adjacent runs merged.
 */
export function reduceQemuMap(entries: QemuMapEntry[]): MapRun[] {
  const runs: MapRun[] = [];
  for (const e of entries) {
    const zero = e.zero || !e.data;
    const last = runs[runs.length - 1];
    if (last && last.zero === zero && last.depth === e.depth && last.start + last.length === e.start) last.length += e.length;
    else runs.push({ start: e.start, length: e.length, zero, depth: e.depth });
  }
  return runs;
}

/** vmdkinfo's "Media size: ... (N bytes)", or null when libvmdk cannot read the image. */
function vmdkinfoMediaSize(entry: string): number | null {
  const r = spawnSync('vmdkinfo', [entry], { encoding: 'utf8', cwd: path.dirname(entry) });
  const m = /Media size:[^(]*\((\d+) bytes\)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? Number(m[1]) : null;
}

/**
 * The content as libvmdk reads it: vmdkmount exposes one file per chain
 * layer (vmdk1 = base ... vmdkN = the whole chain); hash the last. null when
 * libvmdk refuses the image (e.g. monolithicFlat) or FUSE is not usable.
 */
function libvmdkSha256(entry: string, tmp: string): string | null {
  const mnt = mkdtempSync(path.join(tmp, 'mnt-'));
  const r = spawnSync('vmdkmount', [path.basename(entry), mnt], { encoding: 'utf8', cwd: path.dirname(entry), timeout: 60_000 });
  try {
    if (r.status !== 0) return null;
    const layers = readdirSync(mnt).filter((n) => /^vmdk\d+$/.test(n)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    const top = layers[layers.length - 1];
    return top ? sha256File(path.join(mnt, top)) : null;
  } finally {
    if (r.status === 0) spawnSync('fusermount', ['-u', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

function listFiles(dir: string, rel = ''): Array<{ path: string; size: number; sha256: string }> {
  const out: Array<{ path: string; size: number; sha256: string }> = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else {
      const buf = readFileSync(path.join(dir, r));
      out.push({ path: r, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex') });
    }
  }
  return out;
}

/** What the oracles say about one image (everything in a MANIFEST case that comes from a tool). */
function observe(caseDir: string, entry: string, tmp: string) {
  const entryPath = path.join(caseDir, entry);
  const info = JSON.parse(qemuImg(['info', '-f', 'vmdk', '--output=json', entryPath])) as {
    'virtual-size': number;
    'cluster-size'?: number;
    'format-specific': { data: { 'create-type': string; cid: number; 'parent-cid': number } };
  };
  const map = reduceQemuMap(JSON.parse(qemuImg(['map', '-f', 'vmdk', '--output=json', entryPath])) as QemuMapEntry[]);
  const d = info['format-specific'].data;
  return {
    virtualSize: info['virtual-size'],
    sha256: qemuRawSha256(entryPath, tmp),
    map,
    info: { 'create-type': d['create-type'], cid: d.cid, 'parent-cid': d['parent-cid'], 'cluster-size': info['cluster-size'] },
    vmdkinfoMediaSize: vmdkinfoMediaSize(entryPath),
    libvmdkSha256: libvmdkSha256(entryPath, tmp),
    files: listFiles(caseDir),
  };
}

function qemuRawSha256(entryPath: string, tmp: string): string {
  const raw = path.join(tmp, 'convert.raw');
  qemuImg(['convert', '-f', 'vmdk', '-O', 'raw', entryPath, raw]);
  const sum = sha256File(raw);
  rmSync(raw);
  return sum;
}

/** The qemu-img observations that the format reference overrides in a reference-decided case. */
const QEMU_OVERRIDDEN = ['virtualSize', 'sha256', 'map'] as const;

function recordCase(line: string, tmp: string): [string, Record<string, unknown>] {
  const [name, archive, caseDir, entry, expectRaw, seed, writer, about, why, refMap] = line.split('\t');
  if (!name || !archive || !caseDir || !entry || !expectRaw || !seed || !writer || !about || !why || !refMap) throw new Error(`bad case line: ${line}`);
  const seen = observe(caseDir, entry, tmp);
  const rec: Record<string, unknown> = { about, archive, entry, ...seen };
  if (refMap === '-') {
    // qemu-img decides; the bytes the case was built from must agree with it
    if (expectRaw !== '-') {
      const want = sha256File(expectRaw);
      if (want !== seen.sha256) throw new Error(`case ${name}: qemu-img convert gives ${seen.sha256}, the source bytes are ${want}: rejected`);
    }
    rec.sha256Source = expectRaw === '-' ? 'qemu-img convert -O raw' : 'qemu-img convert -O raw, equal to the expected bytes built beside the image';
  } else {
    // qemu-img is known wrong here (why says how): the bytes built from the format reference decide; qemu's view is kept apart
    if (expectRaw === '-' || why === '-') throw new Error(`case ${name}: a reference-decided case needs its expected bytes and a why`);
    rec.qemu = Object.fromEntries(QEMU_OVERRIDDEN.map((k) => [k, seen[k]]));
    rec.virtualSize = statSync(expectRaw).size;
    rec.sha256 = sha256File(expectRaw);
    rec.map = JSON.parse(readFileSync(refMap, 'utf8')) as unknown;
    rec.sha256Source = 'format reference (bytes built from the extent files)';
  }
  if (seen.libvmdkSha256 !== null && seen.libvmdkSha256 !== rec.sha256 && why === '-') {
    throw new Error(`case ${name}: libvmdk reads ${seen.libvmdkSha256}, expected ${String(rec.sha256)}, and no "why" says which is right`);
  }
  if (seed !== '-') rec.patternSeed = Number(seed);
  if (writer !== '-') rec.writer = writer;
  if (why !== '-') rec.why = why;
  return [name, rec];
}

function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
}

export function recordAll(tsv: string): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmdk-record-'));
  try {
    const cases: Record<string, unknown> = {};
    for (const line of readFileSync(tsv, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const [name, rec] = recordCase(line, tmp);
      cases[name] = rec;
      console.error(`recorded ${name}`);
    }
    writeSection('vmdk', {
      generatedBy: 'corpus/build-vmdk.sh',
      tools: { 'qemu-img': toolVersion('qemu-img', ['--version']), vmdkinfo: toolVersion('vmdkinfo', ['-V']) },
      cases,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface RecordedCase {
  archive: string;
  entry: string;
  virtualSize: number;
  sha256: string;
  patternSeed?: number;
  writer?: string;
  qemu?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Our writer's output for a case, rebuilt from the pattern: qemu-img must read back exactly the pattern. */
function checkWriter(name: string, c: RecordedCase, tmp: string): string[] {
  if (c.writer !== 'vmware-stream-writer' || c.patternSeed === undefined) return [];
  const src = path.join(tmp, 'writer-src.raw');
  const out = path.join(tmp, 'writer-out.vmdk');
  writePatternFile(src, c.virtualSize, c.patternSeed);
  writeVmwareStream(src, out, 0x5e1f0c2a);
  const want = sha256File(src);
  const got = qemuRawSha256(out, tmp);
  rmSync(src);
  rmSync(out);
  return [
    want === c.sha256 ? '' : `${name}: pattern(${c.virtualSize}, ${c.patternSeed}) is ${want}, MANIFEST says ${c.sha256}`,
    got === want ? '' : `${name}: qemu-img reads the rebuilt writer output as ${got}, the source is ${want}`,
  ].filter(Boolean);
}

/** Re-run the oracles on every committed archive; print one line per case; return the number of mismatches. */
export function checkAll(): number {
  const section = readSection<{ cases: Record<string, RecordedCase> }>('vmdk');
  if (!section) throw new Error('corpus/MANIFEST has no vmdk section');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vmdk-check-'));
  let bad = 0;
  try {
    for (const [name, c] of Object.entries(section.cases)) {
      const dir = path.join(tmp, name);
      mkdirSync(dir);
      execFileSync('tar', ['-xzf', path.join(CORPUS_DIR, c.archive), '-C', dir]);
      const seen = observe(dir, c.entry, tmp) as Record<string, unknown>;
      // in a reference-decided case, qemu-img's own (wrong) view is what it must still give
      const recorded: Record<string, unknown> = { ...c, ...(c.qemu ?? {}) };
      const problems = Object.keys(seen)
        .filter((k) => JSON.stringify(seen[k]) !== JSON.stringify(recorded[k]))
        .map((k) => `${name}: ${k}: now ${JSON.stringify(seen[k]).slice(0, 200)}, MANIFEST ${JSON.stringify(recorded[k]).slice(0, 200)}`);
      problems.push(...checkWriter(name, c, tmp));
      rmSync(dir, { recursive: true, force: true });
      if (problems.length) {
        bad++;
        for (const p of problems) console.log(`MISMATCH vmdk ${p}`);
      } else console.log(`ok vmdk ${name}: qemu-img info/map/convert${c.vmdkinfoMediaSize === null ? '' : ', vmdkinfo'}${c.libvmdkSha256 === null ? '' : ', vmdkmount'}${c.writer ? ', writer rebuilt' : ''} agree with MANIFEST`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bad;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  if (arg === '--check') process.exit(checkAll() === 0 ? 0 : 1);
  if (!arg) {
    console.error('usage: vmdk-record.js CASES.tsv | --check');
    process.exit(2);
  }
  recordAll(arg);
}
