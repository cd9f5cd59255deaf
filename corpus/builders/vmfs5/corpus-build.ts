/**
 * Builds the VMFS-5 test volumes (volumes.ts) and checks each against
 * debugvmfs: names, modes, links, owners, sizes and mtimes from `ls -l`, and
 * the sha256 of `cat` for every file it can read. Records the result in the
 * "vmfs" section of corpus/MANIFEST (--record) or compares a fresh run with
 * what is recorded (--check, used by corpus/oracles/vmfs.sh).
 *
 *   node dist/corpus/builders/vmfs5/corpus-build.js OUTDIR --record|--check
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSection, writeSection } from '../manifest.js';
import * as dbg from './debugvmfs.js';
import { buildVmfs5, type BuildResult, type BuiltFile } from './index.js';
import { corpusVolumes, type CorpusVolume } from './volumes.js';

/** Files bigger than this are recorded by their data pieces only (hashing 257 GiB of zeros takes minutes). */
export const WHOLE_HASH_LIMIT = 1 << 30;
/** In the 10 000-file directory only this many files get their own entry; all are in the listing digest. */
const MANY_DETAIL = 16;
const DBG_CANNOT = 'not readable by debugvmfs: it does not parse GPT (vmfs-anchors.md); partition bytes equal those of ';

/** One file of a volume: the builder's metadata, the `ls -l` fields, the expected content and debugvmfs' verdicts. */
export interface Entry
  extends Omit<dbg.LsLine, 'name'>,
    Pick<BuiltFile, 'path' | 'type' | 'mode' | 'fdAddress' | 'addressing' | 'blocks' | 'tbzBlocks' | 'symlinkTarget'> {
  /** Expected content (for a symlink: the target text); null = not hashed whole (see pieces) or no data. */
  sha256: string | null;
  pieces?: Array<{ offset: number; length: number; sha256: string }>;
  debugvmfs: { ls: string; cat: string };
  why?: string;
}

export interface DirDigest {
  dir: string;
  files: number;
  /** sha256 of "name\tsize\tmtime\tsha256\n" for every file of the directory, in directory order. */
  listingSha256: string;
  debugvmfs: string;
}

export interface VolumeRecord {
  images: Array<{ name: string; size: number; sha256: string; partitionOffset: number }>;
  label: string;
  fsUuid: string;
  partitionTable: string;
  oracle: Record<string, string>;
  entries: Entry[];
  digests: DirDigest[];
}

export interface VmfsSection {
  about: string;
  oracleTool: string;
  volumes: Record<string, VolumeRecord>;
}

export function modeString(f: Pick<BuiltFile, 'type' | 'mode'>): string {
  const t = f.type === 'dir' || (f.mode & 0o170000) === 0o040000 ? 'd' : f.type === 'symlink' ? 'l' : '-';
  const m = f.mode;
  const x = (bit: number, special: number, on: string, off: string): string => ((m & bit) ? ((m & special) ? on : 'x') : (m & special) ? off : '-');
  return t + ((m & 0o400) ? 'r' : '-') + ((m & 0o200) ? 'w' : '-') + x(0o100, 0o4000, 's', 'S')
    + ((m & 0o40) ? 'r' : '-') + ((m & 0o20) ? 'w' : '-') + x(0o10, 0o2000, 's', 'S')
    + ((m & 0o4) ? 'r' : '-') + ((m & 0o2) ? 'w' : '-') + x(0o1, 0o1000, 't', 'T');
}

function why(f: BuiltFile, all: ReadonlySet<string>): string | undefined {
  if (f.addressing === 'double') {
    return 'double indirect (ZLA 0x10D0): vmfs-tools 0.2.5 reads it as single indirect and fails (vmfs-anchors.md); the content is decided by the format reference (§9.1) and vmfskit\'s reader';
  }
  if (f.addressing === 'pb2') return 'ZLA 5 (pointer blocks in .pb2.sf): vmfs-tools 0.2.5 does not implement it and fails (vmfs-anchors.md); the content is decided by the format reference (§7.5, §9.1) and vmfskit\'s reader';
  if (f.type === 'rdm') return 'RDM: no data on the datastore (format §8.3); vmfs-tools refuses to read it';
  if (f.type === 'system') return 'system file: listed, content not compared';
  if (f.symlinkTarget?.startsWith('/vmfs/volumes/')) return 'absolute /vmfs/volumes/<uuid>/ target: debugvmfs does not map it onto the volume; vmfskit must';
  if (f.symlinkTarget !== undefined && !all.has(path.posix.resolve(parentOf(f.path), f.symlinkTarget))) return 'dangling symlink: its target does not exist, so cat must fail';
  return undefined;
}

function expectedEntry(f: BuiltFile, all: ReadonlySet<string>): Entry {
  const big = f.size > WHOLE_HASH_LIMIT;
  const hasData = f.type === 'file' || f.type === 'symlink';
  const e: Entry = {
    path: f.path, type: f.type, mode: f.mode, modeString: modeString(f), nlink: f.nlink, uid: f.uid, gid: f.gid, size: f.size,
    mtime: f.mtime, fdAddress: f.fdAddress, addressing: f.addressing, blocks: f.blocks, tbzBlocks: f.tbzBlocks,
    sha256: hasData && !big ? f.sha256() : null, debugvmfs: { ls: '', cat: '' },
  };
  if (big) e.pieces = f.pieceHashes();
  if (f.symlinkTarget !== undefined) e.symlinkTarget = f.symlinkTarget;
  const w = why(f, all);
  if (w) e.why = w;
  return e;
}

function parentOf(p: string): string {
  const d = path.posix.dirname(p);
  return d === '' ? '/' : d;
}

/** What `cat` of a symlink should give: the content of its target when that is inside the volume and relative. */
function symlinkContent(e: Entry, byPath: Map<string, Entry>): string | null {
  if (!e.symlinkTarget || e.symlinkTarget.startsWith('/')) return null;
  return byPath.get(path.posix.resolve(parentOf(e.path), e.symlinkTarget))?.sha256 ?? null;
}

function compareLs(e: Entry, line: dbg.LsLine | undefined): string {
  if (!line) return 'missing from debugvmfs ls -l';
  const diffs: string[] = [];
  const want = { modeString: e.modeString, nlink: e.nlink, uid: e.uid, gid: e.gid, size: e.size, mtime: e.mtime };
  for (const [k, v] of Object.entries(want)) {
    const got = line[k as keyof dbg.LsLine];
    if (got !== v) diffs.push(`${k} ${String(got)} (expected ${String(v)})`);
  }
  return diffs.length ? diffs.join(', ') : 'same';
}

async function catVerdict(images: string[], e: Entry, byPath: Map<string, Entry>, batch: Map<string, string>): Promise<string> {
  if (e.type === 'dir' || e.type === 'system') return 'not compared';
  const want = e.type === 'symlink' ? symlinkContent(e, byPath) : e.sha256;
  const batched = batch.get(e.path);
  const r = batched !== undefined ? { sha256: batched, bytes: e.size } : await dbg.cat(images, e.path);
  if (r.sha256 === null) return `error: ${(r as dbg.CatResult).error ?? 'no output'}`;
  if (want === null) return `read ${r.bytes} bytes, sha256 ${r.sha256} (no whole-file expectation)`;
  return r.sha256 === want ? (e.type === 'symlink' ? 'same (link followed)' : 'same') : `differs: sha256 ${r.sha256}`;
}

function digestOf(files: Entry[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path.slice(f.path.lastIndexOf('/') + 1)}\t${f.size}\t${f.mtime}\t${f.sha256 ?? '-'}\n`);
  return h.digest('hex');
}

/** sha256 of bytes [start, start + length) of a (sparse) image. */
function sha256Range(file: string, start: number, length: number): string {
  const fd = openSync(file, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(4 << 20);
    for (let done = 0; done < length; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - done), start + done);
      if (n <= 0) throw new Error(`${file}: short read at ${start + done}`);
      h.update(buf.subarray(0, n));
      done += n;
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

async function oracleVolume(v: CorpusVolume, built: BuildResult, records: Record<string, VolumeRecord>): Promise<VolumeRecord> {
  const paths = new Set(built.files.map((f) => f.path));
  const all = built.files.map((f) => expectedEntry(f, paths));
  const byPath = new Map(all.map((e) => [e.path, e]));
  const imagePaths = built.images.map((i) => i.path);
  const rec: VolumeRecord = {
    images: built.images.map((i) => ({ name: path.basename(i.path), size: i.size, sha256: i.sha256, partitionOffset: i.partitionOffset })),
    label: built.label, fsUuid: built.fsUuid, partitionTable: v.spec.partitionTable ?? 'none', oracle: {}, entries: [], digests: [],
  };
  // Directories whose files are summarised by a digest instead of one entry each.
  const rank = new Map<Entry, number>();
  const childCount = new Map<string, number>();
  for (const e of all) {
    const p = parentOf(e.path);
    rank.set(e, childCount.get(p) ?? 0);
    childCount.set(p, (rank.get(e) ?? 0) + 1);
  }
  const wideDirs = new Set([...childCount].filter(([, n]) => n > 1000).map(([d]) => d));
  if (rec.partitionTable === 'gpt') {
    const same = records[v.samePartitionAs ?? ''];
    if (!same) throw new Error(`${v.name}: build ${v.samePartitionAs} first`);
    const part = built.images[0]!;
    const partSha = sha256Range(part.path, part.partitionOffset, same.images[0]!.size);
    rec.oracle = {
      'sgdisk -v': dbg.sgdiskVerify(part.path),
      'sgdisk -i 1': dbg.sgdiskPartition(part.path),
      partition: partSha === same.images[0]!.sha256 ? `bytes at ${part.partitionOffset} equal ${v.samePartitionAs}` : `partition sha256 ${partSha} differs from ${v.samePartitionAs}`,
    };
    for (const e of all) e.debugvmfs = { ls: DBG_CANNOT + v.samePartitionAs, cat: DBG_CANNOT + v.samePartitionAs };
  } else {
    const s = dbg.show(imagePaths);
    rec.oracle = { show: `label ${s.label}, uuid ${s.uuid}, block size ${s.blockSize}` };
    if (s.label !== built.label || s.uuid !== built.fsUuid) rec.oracle.showMismatch = `expected ${built.label} / ${built.fsUuid}`;
    const dirs = ['/', ...all.filter((e) => e.type === 'dir').map((e) => e.path).filter((p) => p !== '/')];
    const lines = new Map<string, dbg.LsLine>();
    const unexpected: string[] = [];
    for (const d of dirs) {
      for (const l of dbg.lsLong(imagePaths, d)) {
        const p = d === '/' ? `/${l.name}` : `${d}/${l.name}`;
        lines.set(p, l);
        if (!byPath.has(p)) unexpected.push(p);
      }
    }
    if (unexpected.length) rec.oracle.unexpectedNames = unexpected.slice(0, 10).join(', ');
    const batchable = all.filter((e) => e.type === 'file' && e.sha256 !== null && wideDirs.has(parentOf(e.path)));
    const shas = dbg.catMany(imagePaths, batchable) ?? [];
    const batch = new Map(shas.map((s, i) => [batchable[i]!.path, s]));
    for (const e of all) {
      if (e.path === '/') {
        e.debugvmfs = { ls: 'root (listed as .)', cat: 'not compared' };
        continue;
      }
      e.debugvmfs = { ls: compareLs(e, lines.get(e.path)), cat: await catVerdict(imagePaths, e, byPath, batch) };
    }
  }
  for (const d of wideDirs) {
    const files = all.filter((e) => parentOf(e.path) === d);
    const bad = files.filter((e) => e.debugvmfs.ls !== 'same' || e.debugvmfs.cat !== 'same');
    rec.digests.push({
      dir: d, files: files.length, listingSha256: digestOf(files),
      debugvmfs: bad.length ? `${bad.length} differ, e.g. ${bad[0]!.path}: ${JSON.stringify(bad[0]!.debugvmfs)}` : `ls -l and cat same for all ${files.length}`,
    });
  }
  rec.entries = all.filter((e) => !wideDirs.has(parentOf(e.path)) || (rank.get(e) ?? 0) < MANY_DETAIL);
  return rec;
}

/** True when every oracle verdict of the record is a pass (or an explained, expected failure). */
export function problems(rec: VolumeRecord): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(rec.oracle)) {
    if (k === 'showMismatch' || k === 'unexpectedNames' || /differs|exit/.test(v)) out.push(`${k}: ${v}`);
  }
  for (const e of rec.entries) {
    const lsOk = e.debugvmfs.ls === 'same' || e.debugvmfs.ls.startsWith('root') || e.debugvmfs.ls.startsWith(DBG_CANNOT);
    const catOk = /^same|^not compared|^not readable/.test(e.debugvmfs.cat) || (e.why !== undefined && e.debugvmfs.cat.startsWith('error'));
    if (!lsOk || !catOk) out.push(`${e.path}: ${JSON.stringify(e.debugvmfs)}`);
  }
  for (const d of rec.digests) if (!d.debugvmfs.startsWith('ls -l and cat same') && !d.debugvmfs.startsWith(DBG_CANNOT)) out.push(`${d.dir}: ${d.debugvmfs}`);
  return out;
}

async function main(): Promise<void> {
  const [outDir, mode] = process.argv.slice(2);
  if (!outDir || (mode !== '--record' && mode !== '--check')) {
    console.error('usage: corpus-build.js OUTDIR --record|--check');
    process.exit(2);
  }
  const section: VmfsSection = {
    about: 'VMFS-5 volumes from corpus/builders/vmfs5 (buildVmfs5), checked with debugvmfs; per image its sha256 (determinism), per file the expected metadata and content sha256 and what debugvmfs returned',
    oracleTool: dbg.debugvmfsVersion(),
    volumes: {},
  };
  const old = readSection<VmfsSection>('vmfs');
  let failed = false;
  for (const v of corpusVolumes()) {
    const t = Date.now();
    const built = await buildVmfs5(v.spec, path.join(outDir, v.name));
    const rec = await oracleVolume(v, built, section.volumes);
    section.volumes[v.name] = rec;
    const bad = problems(rec);
    const prior = old?.volumes[v.name];
    const same = prior !== undefined && JSON.stringify(prior) === JSON.stringify(rec);
    console.log(`${v.name}: ${rec.images.map((i) => i.sha256.slice(0, 16)).join(' ')} ${rec.entries.length} entries, ${bad.length ? `ORACLE DISAGREES: ${bad.join('; ')}` : 'debugvmfs agrees'}${mode === '--check' ? (same ? ', matches MANIFEST' : ', DIFFERS FROM MANIFEST') : ''} (${Date.now() - t} ms)`);
    if (bad.length || (mode === '--check' && !same)) failed = true;
  }
  if (mode === '--record') {
    if (failed) {
      console.error('vmfs: not recorded: an oracle disagrees');
      process.exit(1);
    }
    writeSection('vmfs', section);
    console.log('vmfs: MANIFEST section written');
  } else if (failed) process.exit(1);
}

// Run only as the entry script (the VMFS-6 corpus imports vmfs5/corpus-build.js, whose basename is the same).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(`vmfs corpus: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
