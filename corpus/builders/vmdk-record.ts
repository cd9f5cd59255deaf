/**
 * Records the oracles' view of every VMDK corpus case into the "vmdk"
 * section of corpus/MANIFEST, so that `npm test` needs no oracle tool.
 * Run by corpus/build-vmdk.sh after it has made the images; reads its case
 * list (TSV, one case a line):
 *
 *   name  archive  caseDir  entry  expectRaw|-  about  why|-
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
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from './manifest.js';

interface MapRun {
  start: number;
  length: number;
  zero: boolean;
}

interface QemuMapEntry {
  start: number;
  length: number;
  zero: boolean;
  data: boolean;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function qemuImg(args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** qemu-img map reduced to what every reader can agree on: reads-as-zero or has data; adjacent runs merged. */
export function reduceQemuMap(entries: QemuMapEntry[]): MapRun[] {
  const runs: MapRun[] = [];
  for (const e of entries) {
    const zero = e.zero || !e.data;
    const last = runs[runs.length - 1];
    if (last && last.zero === zero && last.start + last.length === e.start) last.length += e.length;
    else runs.push({ start: e.start, length: e.length, zero });
  }
  return runs;
}

/** vmdkinfo's "Media size: ... (N bytes)", or null when libvmdk cannot read the image. */
function vmdkinfoMediaSize(entry: string): number | null {
  const r = spawnSync('vmdkinfo', [entry], { encoding: 'utf8', cwd: path.dirname(entry) });
  const m = /Media size:[^(]*\((\d+) bytes\)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? Number(m[1]) : null;
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

function recordCase(line: string, tmp: string): [string, Record<string, unknown>] {
  const [name, archive, caseDir, entry, expectRaw, about, why] = line.split('\t');
  if (!name || !archive || !caseDir || !entry || !expectRaw || !about || !why) throw new Error(`bad case line: ${line}`);
  const entryPath = path.join(caseDir, entry);
  const info = JSON.parse(qemuImg(['info', '-f', 'vmdk', '--output=json', entryPath])) as {
    'virtual-size': number;
    'cluster-size'?: number;
    'format-specific': { data: { 'create-type': string; cid: number; 'parent-cid': number } };
  };
  const map = reduceQemuMap(JSON.parse(qemuImg(['map', '-f', 'vmdk', '--output=json', entryPath])) as QemuMapEntry[]);
  const raw = path.join(tmp, `${name}.raw`);
  qemuImg(['convert', '-f', 'vmdk', '-O', 'raw', entryPath, raw]);
  const sha256 = sha256File(raw);
  rmSync(raw);
  if (expectRaw !== '-') {
    const want = sha256File(expectRaw);
    if (want !== sha256) throw new Error(`case ${name}: qemu-img convert gives ${sha256}, the source bytes are ${want}: rejected`);
  }
  const d = info['format-specific'].data;
  const rec: Record<string, unknown> = {
    about,
    archive,
    entry,
    virtualSize: info['virtual-size'],
    sha256,
    sha256Source: expectRaw === '-' ? 'qemu-img convert -O raw' : 'qemu-img convert -O raw, equal to the source bytes',
    map,
    info: { 'create-type': d['create-type'], cid: d.cid, 'parent-cid': d['parent-cid'], 'cluster-size': info['cluster-size'] },
    vmdkinfoMediaSize: vmdkinfoMediaSize(entryPath),
    files: listFiles(caseDir),
  };
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tsv = process.argv[2];
  if (!tsv) {
    console.error('usage: vmdk-record.js CASES.tsv');
    process.exit(2);
  }
  recordAll(tsv);
}
