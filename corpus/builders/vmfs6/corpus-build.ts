/**
 * Builds the VMFS-6 test images (volumes.ts) and has two independent readers
 * judge each one, file by file: vmfs6-tools' debugvmfs6 (`ls -l` of every
 * directory, `cat` of every file up to 2 GiB) and Fox-IT dissect.vmfs (run
 * from /tmp/dissect through corpus/oracles/dissect-vmfs6.py; it is not
 * installable in CI). Records builder facts and both verdicts in the "vmfs6"
 * section of corpus/MANIFEST (--record) or re-checks debugvmfs6 live against
 * it (--check, corpus/oracles/vmfs6.sh). debugvmfs6 reads bare partitions
 * only, so a GPT LUN's partition is handed to it as a sparse copy.
 *
 *   node dist/corpus/builders/vmfs6/corpus-build.js OUTDIR --record|--check [--publish DIR]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSection, writeSection } from '../manifest.js';
import * as dbg from '../vmfs5/debugvmfs.js';
import { modeString } from '../vmfs5/corpus-build.js';
import { buildDeltaCorpus } from '../delta-chains.js';
import { copyRange } from '../sparse-extents.js';
import { bootDiskSpec, buildBootDisk } from './bootdisk.js';
import { buildVmfs6, partitionBytes, type BuildResult6, type BuiltFile6 } from './index.js';
import type { VolumeSpec6 } from './spec.js';
import { T6, corpusVolumes6, type CorpusVolume6 } from './volumes.js';

/** The boot disk's image name; its two volumes are recorded as "<name>#osdata" and "<name>#datastore1". */
export const BOOT_IMAGE = 'esxi8-boot.img';

const WHOLE_HASH_LIMIT = 2 ** 31;
const DISSECT = '/tmp/dissect';
const DISSECT_PATH = ['dissect.vmfs', 'dissect.cstruct', 'dissect.util'].map((d) => path.join(DISSECT, d)).join(':');
/** Files of a wide directory that get their own entry (all are in its digest). */
const WIDE_DETAIL = 16;

export interface Entry6 {
  path: string;
  type: BuiltFile6['type'];
  modeString: string;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  fdAddress: number;
  addressing: BuiltFile6['addressing'];
  blockKind: BuiltFile6['blockKind'];
  sfbs: number;
  lfbs: number;
  subBlocks: number;
  tbzBlocks: number;
  pointerBlocks: number;
  symlinkTarget?: string;
  /** Expected content (symlink: its target text); null when not hashed whole (see pieces) or no data. */
  sha256: string | null;
  pieces?: Array<{ offset: number; length: number; sha256: string }>;
  debugvmfs6: { ls: string; cat: string };
  dissect: { ls: string; cat: string };
  /** Which independent reader read this entry as the builder wrote it. */
  agreed: string[];
  why?: string;
}

export interface Volume6Record {
  images: Array<{ name: string; size: number; sha256: string; partitionOffset: number; sectorSize: number }>;
  label: string;
  fsUuid: string;
  table: string;
  /** Per image: which reader agreed file by file, and a summary of each. */
  verdict: { debugvmfs6: string; dissect: string; counts: string };
  entries: Entry6[];
  digests: Array<{ dir: string; files: number; debugvmfs6: string; dissect: string }>;
  /** GPT LUNs: what sgdisk -v (512-byte sectors) and mmls -b <sector> (sleuthkit) say about the table. */
  partitionOracle?: Record<string, string>;
  /** Boot disk: every file of the FAT partitions as mtools (mtype) reads it, against what the builder put there. */
  fat?: Record<string, string>;
  /** Boot disk: every GPT partition and what it holds. */
  partitions?: Array<{ number: number; name: string; type: string; offset: number; size: number; holds: string }>;
  /** VM volume: each snapshot state of the chain and the sha256 its disk must read as (from the deltas builder's model). */
  states?: Array<{ id: string; descriptor: string; sha256: string }>;
}

export interface Vmfs6Section {
  about: string;
  oracleTools: { debugvmfs6: string; dissect: string };
  volumes: Record<string, Volume6Record>;
}

function parentOf(p: string): string {
  return path.posix.dirname(p);
}

/** Known faults of vmfs6-tools 0.2.1 and dissect (vmfs-anchors.md, format §7–§10) that explain a disagreement. */
function why(e: Entry6, exists: (p: string) => boolean): string | undefined {
  if (Buffer.byteLength(path.posix.basename(e.path)) > 128) return 'name longer than 128 bytes: vmfs6-tools keeps 128 bytes of a name (its entry struct), so it lists a truncated name and cannot open it; VMFS-6 entries hold 255 (format §10.2)';
  if (e.type === 'system') return 'system file: listed, content not compared';
  if (e.type === 'rdm') return 'RDM (type 6): no data on the datastore (format §8.3)';
  if (e.symlinkTarget?.startsWith('/vmfs/volumes/')) return 'absolute /vmfs/volumes/<label|uuid>/ target: resolved against the volume by vmfskit (format §8.3), not by the oracles';
  if (e.tbzBlocks > 0) return 'TBZ blocks hold stale bytes: vmfs6-tools ignores the [6] TBZ bits (format §9.3) and returns them; dissect zeroes them; the format decides: zeros';
  if (e.symlinkTarget !== undefined && !exists(path.posix.resolve(parentOf(e.path), e.symlinkTarget))) return 'dangling symlink: its target does not exist, so cat must fail';
  if (e.blockKind === 'sfb' && e.sfbs < Math.ceil(e.size / (1 << 20)) && e.addressing !== 'double') return 'thin file with a hole before data: vmfs6-tools copies the address array (or pointer block) only up to its first zero entry and reads everything after as zeros (format §9.3, vmfs-anchors.md)';
  if (e.blockKind === 'mixed') return 'mixed LFB/SFB file: no real image shows one (format §9.4, §16); the builder fills an LFB\'s 512 one-MiB entries with its address (the layout dissect\'s resolver reads)';
  if (e.size > WHOLE_HASH_LIMIT) return 'larger than 2 GiB: compared by its data pieces (dissect reads each piece and the MiB before it; debugvmfs6 cannot read a range)';
  return undefined;
}

function expected(f: BuiltFile6, exists: (p: string) => boolean): Entry6 {
  const big = f.size > WHOLE_HASH_LIMIT;
  const hasData = f.type === 'file' || f.type === 'symlink';
  const e: Entry6 = {
    path: f.path, type: f.type, modeString: modeString(f), mode: f.mode, nlink: f.nlink, uid: f.uid, gid: f.gid, size: f.size, mtime: f.mtime,
    fdAddress: f.fdAddress, addressing: f.addressing, blockKind: f.blockKind, sfbs: f.sfbs, lfbs: f.lfbs, subBlocks: f.subBlocks, tbzBlocks: f.tbzBlocks,
    pointerBlocks: f.pointerBlocks, sha256: hasData && !big ? f.sha256() : null, debugvmfs6: { ls: '', cat: '' }, dissect: { ls: '', cat: '' }, agreed: [],
  };
  if (big) e.pieces = f.pieceHashes();
  if (f.symlinkTarget !== undefined) e.symlinkTarget = f.symlinkTarget;
  const w = why(e, exists);
  if (w) e.why = w;
  return e;
}

function lsVerdict(e: Entry6, got: { modeString?: string; nlink?: number | null; uid?: number; gid?: number; size?: number; mtime?: number } | undefined, fields: string[]): string {
  if (!got) return 'missing from its listing';
  const diffs: string[] = [];
  for (const k of fields) {
    const want = (e as unknown as Record<string, unknown>)[k];
    const have = (got as Record<string, unknown>)[k];
    if (have !== want) diffs.push(`${k} ${String(have)} (expected ${String(want)})`);
  }
  return diffs.length ? diffs.join(', ') : 'same';
}

interface DissectEntry { path: string; type?: string; mode?: number; nlink?: number; size?: number; mtime?: number; target?: string; sha256?: string; pieces?: string[]; error?: string }

function runDissect(images: string[], offset: number, pieces: Record<string, Array<[number, number]>>, work: string): { entries: DissectEntry[]; error?: string } | null {
  if (!existsSync(path.join(DISSECT, 'dissect.vmfs'))) return null;
  const piecesFile = path.join(work, 'dissect-pieces.json');
  writeFileSync(piecesFile, JSON.stringify(pieces));
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', '..', 'corpus', 'oracles', 'dissect-vmfs6.py');
  const r = spawnSync('python3', [script, '--offset', String(offset), '--pieces', piecesFile, ...images], { env: { ...process.env, PYTHONPATH: DISSECT_PATH }, encoding: 'utf8', maxBuffer: 512 << 20, timeout: 1_800_000 });
  if (r.status !== 0) return { entries: [], error: `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-1)[0]}` };
  return JSON.parse(r.stdout) as { entries: DissectEntry[]; error?: string };
}

function debugvmfs6Version(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'vmfs6-tools'], { encoding: 'utf8' });
  return r.status === 0 ? `vmfs6-tools ${r.stdout.trim()}` : 'vmfs6-tools (version unknown)';
}

function dissectVersion(): string {
  const r = spawnSync('git', ['-C', path.join(DISSECT, 'dissect.vmfs'), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return existsSync(path.join(DISSECT, 'dissect.vmfs')) ? `dissect.vmfs ${r.status === 0 ? r.stdout.trim() : '0a385a1 (source tree, per oracle-dissect.md)'}` : 'dissect.vmfs not present';
}

/** What a reader's `cat` of a symlink should give: its target's content when relative and inside the volume. */
function followed(e: Entry6, byPath: Map<string, Entry6>): string | null {
  if (!e.symlinkTarget || e.symlinkTarget.startsWith('/')) return null;
  return byPath.get(path.posix.resolve(parentOf(e.path), e.symlinkTarget))?.sha256 ?? null;
}

async function judge(v: CorpusVolume6, spec: VolumeSpec6, built: BuildResult6, outDir: string, withDissect: boolean): Promise<Volume6Record> {
  const paths = new Set(built.files.map((f) => f.path));
  const all = built.files.map((f) => expected(f, (p) => paths.has(p)));
  const byPath = new Map(all.map((e) => [e.path, e]));
  const wide = new Set(v.wide ?? []);
  const img = built.images[0]!;
  // debugvmfs6 reads a bare partition of one device only.
  let bare = img.path;
  if (img.partitionOffset) {
    bare = path.join(outDir, `${path.basename(img.path)}.partition`);
    rmSync(bare, { force: true });
    copyRange(img.path, img.partitionOffset, partitionBytes((spec.devices ?? [{}])[0]!.pes ?? 1), bare);
  }
  const spanned = built.images.length > 1;
  const rec: Volume6Record = {
    images: built.images.map((i) => ({ name: path.basename(i.path), size: i.size, sha256: i.sha256, partitionOffset: i.partitionOffset, sectorSize: i.sectorSize })),
    label: built.label, fsUuid: built.fsUuid, table: v.table, verdict: { debugvmfs6: '', dissect: '', counts: '' }, entries: [], digests: [],
  };
  if (v.table !== 'none') {
    rec.partitionOracle = {};
    for (const i of built.images) {
      const name = path.basename(i.path);
      const mm = spawnSync('mmls', ['-b', String(i.sectorSize), i.path], { encoding: 'utf8' });
      const rows = mm.stdout.split('\n').filter((l) => /^\d{3}:\s+\d{3}\s/.test(l)).map((l) => l.trim().split(/\s+/).slice(1, 4).join(' '));
      rec.partitionOracle[`mmls -b ${i.sectorSize} ${name}`] = mm.status === 0 ? `partitions (slot start end, in ${i.sectorSize}-byte sectors): ${rows.join('; ')}` : `exit ${mm.status}: ${mm.stderr.trim()}`;
      if (i.sectorSize === 512) rec.partitionOracle[`sgdisk -v ${name}`] = dbg.sgdiskVerify(i.path);
    }
  }
  // debugvmfs6: ls -l of every directory, cat of every file.
  const dbgLs = new Map<string, dbg.LsLine>();
  const dirs = all.filter((e) => e.type === 'dir' || e.path === '/.sdd.sf');
  if (!spanned) {
    for (const d of dirs) {
      try {
        for (const l of dbg.lsLong([bare], d.path, 'debugvmfs6')) dbgLs.set(d.path === '/' ? `/${l.name}` : `${d.path}/${l.name}`, l);
      } catch (err) {
        dbgLs.set(`${d.path}\0error`, { modeString: String(err), nlink: 0, uid: 0, gid: 0, size: 0, mtime: 0, name: '' });
      }
    }
  }
  // Files above 2 GiB: dissect reads each data piece and the MiB before it (a hole: zeros).
  const pieceRanges: Record<string, Array<[number, number]>> = {};
  for (const e of all) if (e.pieces) pieceRanges[e.path] = e.pieces.flatMap((p): Array<[number, number]> => [[p.offset, p.length], ...(p.offset >= 2 << 20 ? [[p.offset - (1 << 20), 1 << 20] as [number, number]] : [])]);
  const ds = withDissect ? runDissect(built.images.map((i) => i.path), img.partitionOffset, pieceRanges, outDir) : null;
  const dsBy = new Map((ds?.entries ?? []).map((e) => [e.path, e]));
  const rank = new Map<string, number>();
  for (const e of all) {
    if (e.path === '/') continue;
    const p = parentOf(e.path);
    const k = rank.get(p) ?? 0;
    rank.set(p, k + 1);
    const detailed = !wide.has(p) || k < WIDE_DETAIL;
    // --- debugvmfs6
    if (spanned) e.debugvmfs6 = { ls: 'not run: vmfs6-tools has no multi-device (span) support', cat: 'not run' };
    else {
      e.debugvmfs6.ls = lsVerdict(e, dbgLs.get(e.path), ['modeString', 'nlink', 'uid', 'gid', 'size', 'mtime']);
      if (e.type === 'dir' || e.type === 'system') e.debugvmfs6.cat = 'not compared';
      else if (!detailed) e.debugvmfs6.cat = 'in the directory digest';
      else if (e.type === 'rdm' || e.size > WHOLE_HASH_LIMIT) e.debugvmfs6.cat = e.type === 'rdm' ? 'not compared (no data)' : `not read (${e.size} bytes)`;
      else {
        const want = e.type === 'symlink' ? followed(e, byPath) : e.sha256;
        const r = await dbg.cat([bare], e.path, 'debugvmfs6', WHOLE_HASH_LIMIT);
        e.debugvmfs6.cat = r.sha256 === null ? `error: ${r.error}` : want === null ? `read ${r.bytes} bytes, sha256 ${r.sha256} (no expectation)` : r.sha256 === want ? 'same' : `differs: ${r.bytes} bytes, sha256 ${r.sha256}`;
      }
    }
    // --- dissect
    if (!ds) e.dissect = { ls: 'not run: /tmp/dissect absent', cat: 'not run' };
    else if (ds.error) e.dissect = { ls: `volume not opened: ${ds.error}`, cat: 'not run' };
    else {
      const d = dsBy.get(e.path);
      const got = d && { modeString: d.mode === undefined ? undefined : modeString({ type: e.type, mode: d.mode & (e.path === '/.sdd.sf' ? 0o177777 : 0o7777) }), nlink: d.nlink, size: d.size, mtime: d.mtime };
      e.dissect.ls = d?.error && !d.type ? `error: ${d.error}` : lsVerdict(e, got, ['modeString', 'nlink', 'size', 'mtime']);
      if (e.type === 'symlink') e.dissect.cat = d?.target === e.symlinkTarget ? 'same (link target)' : `target ${String(d?.target)}`;
      else if (e.type !== 'file') e.dissect.cat = 'not compared';
      else if (!d) e.dissect.cat = 'missing';
      else if (d.error) e.dissect.cat = `error: ${d.error}`;
      else if (e.pieces) {
        const zeroMiB = createHash('sha256').update(Buffer.alloc(1 << 20)).digest('hex');
        const want = e.pieces.flatMap((p) => [p.sha256, ...(p.offset >= 2 << 20 ? [zeroMiB] : [])]);
        e.dissect.cat = JSON.stringify(d.pieces) === JSON.stringify(want) ? `same (${e.pieces.length} pieces and the hole before each)` : `pieces differ: ${JSON.stringify(d.pieces)}`;
      } else if (e.sha256 === null) e.dissect.cat = `not read (${e.size} bytes)`;
      else e.dissect.cat = d.sha256 === e.sha256 ? 'same' : `differs: sha256 ${String(d.sha256)}`;
    }
    const okCat = (c: string): boolean => /^same|^not compared|^in the directory digest/.test(c);
    if (e.debugvmfs6.ls === 'same' && okCat(e.debugvmfs6.cat)) e.agreed.push('debugvmfs6');
    if (e.dissect.ls === 'same' && okCat(e.dissect.cat)) e.agreed.push('dissect');
    if (detailed) rec.entries.push(e);
  }
  rmSync(bare === img.path ? '/nonexistent' : bare, { force: true });
  for (const d of wide) {
    const files = all.filter((e) => parentOf(e.path) === d);
    const dbgSeen = files.filter((e) => dbgLs.has(e.path)).length;
    const dsSame = files.filter((e) => e.agreed.includes('dissect')).length;
    rec.digests.push({ dir: d, files: files.length, debugvmfs6: `ls -l lists ${dbgSeen} of ${files.length}`, dissect: ds ? `${dsSame} of ${files.length} listed and read the same` : 'not run' });
  }
  const counted = all.filter((e) => e.path !== '/');
  const agree = (o: string): number => counted.filter((e) => e.agreed.includes(o)).length;
  const explained = counted.filter((e) => e.why !== undefined).length;
  rec.verdict = {
    debugvmfs6: spanned ? 'not run (no span support)' : `${agree('debugvmfs6')} of ${counted.length} entries the same`,
    dissect: ds ? `${agree('dissect')} of ${counted.length} entries the same` : 'not run: /tmp/dissect absent',
    counts: `${counted.length} entries, ${explained} with a known-fault explanation; entries neither reader agrees on: ${counted.filter((e) => !e.agreed.length && !e.why).map((e) => e.path).slice(0, 20).join(', ') || 'none'}`,
  };
  return rec;
}

/** What the live check compares: everything debugvmfs6 and the builder say (not dissect: absent in CI). */
function liveView(rec: Volume6Record): unknown {
  return { images: rec.images, partitionOracle: rec.partitionOracle, fat: rec.fat, partitions: rec.partitions, states: rec.states, entries: rec.entries.map((e) => ({ ...e, dissect: undefined, agreed: e.agreed.filter((a) => a !== 'dissect') })), digests: rec.digests.map((d) => ({ ...d, dissect: undefined })), verdict: rec.verdict.debugvmfs6 };
}

/** Copy the built images (sparse) to `dir` with a README of partition layouts and both readers' results. */
export function publish(dir: string, section: Vmfs6Section, outDir: string): void {
  mkdirSync(dir, { recursive: true });
  const lines = ['# VMFS-6 test images (from the v6builder helper)', '', `Built by corpus/builders/vmfs6 (branch v6builder); judged by ${section.oracleTools.debugvmfs6} and ${section.oracleTools.dissect}.`,
    'The full record (every file: builder facts, expected sha256, both readers\' verdicts) is `MANIFEST-vmfs6.json` here (= the "vmfs6" section of corpus/MANIFEST).', '',
    '## How to read this', '',
    '- The expected sha256 is the builder\'s (what it wrote); a reader verdict "same" means that reader listed the entry with the same mode string, links, size and mtime (dissect: no uid/gid) and read the same bytes. "agreed" in the JSON names the readers that did both.',
    '- Image sha256: of every byte, except the boot disk ("extents:" = sha256 of the list of written ranges with their own sha256s, and the size; the disk is 128 GiB of holes).',
    '- `/.sdd.sf` is recorded with type "system" (FD type 5) and mode 040700: readers (dissect, vmfskit) show it as a directory; both are right.',
    '- Files > 2 GiB (the 3 TiB double-indirect file) are checked by pieces: each data piece and the MiB of hole before it (dissect); debugvmfs6 cannot read a range.',
    '- Builder guesses (no real image shows them, format §16): the mixed LFB/SFB layout (1 MiB entries, an LFB\'s address in each of its 512 entries, ZLA 3); pointer blocks of user files as 64 KiB sub-blocks (type 2) or .pb2.sf resources (type 5); TBZ = all 8 bits set on a whole block; LFB states in .fbb.sf; VMFS-L config 0x800 + LVM flags 1; spanned LVM-6 fields (one PE entry per LUN, SD table on LUN 0); 4Kn VMFS partition at 1 MiB (LBA 256).',
    '- Known reader faults seen here: vmfs6-tools 0.2.1 returns stale bytes for TBZ SFBs/LFBs, reads everything after the first zero address-array / pointer-block entry as zeros, keeps 128 bytes of a name (255-byte names are listed truncated and cannot be opened), does not resolve /vmfs/volumes/ symlinks, has no span support and reads bare partitions only (GPT partitions are given to it as sparse copies). Its README\'s "2013 entries per directory" limit did NOT show: it listed all 20 000 entries of /many (with link blocks between the entry blocks). dissect.vmfs agreed on every file of every image.', ''];
  for (const [name, rec] of Object.entries(section.volumes)) {
    for (const i of rec.images) {
      const dst = path.join(dir, i.name);
      if (!existsSync(path.join(outDir, i.name))) continue;
      rmSync(dst, { force: true });
      execFileSync('cp', ['--sparse=always', path.join(outDir, i.name), dst]);
    }
    lines.push(`## ${name}`, '', `- images: ${rec.images.map((i) => `\`${i.name}\` (${i.size} bytes, sha256 ${i.sha256}, VMFS partition at byte ${i.partitionOffset}, ${i.sectorSize}-byte sectors${rec.table === 'none' ? ', bare partition' : ', GPT'})`).join('; ')}`,
      ...(rec.partitions ? ['- GPT (512-byte sectors):', ...rec.partitions.map((p) => `  - partition ${p.number} "${p.name}" type ${p.type} at byte ${p.offset} (0x${p.offset.toString(16)}), ${p.size} bytes: ${p.holds}`)] : []),
      ...(rec.states ? ['- snapshot states of /SE (raw sha256 each state must read as):', ...rec.states.map((s) => `  - ${s.id}: \`${s.descriptor}\` ${s.sha256}`)] : []),
      ...Object.entries(rec.partitionOracle ?? {}).map(([k, v]) => `- ${k}: ${v}`),
      ...Object.entries(rec.fat ?? {}).map(([k, v]) => `- FAT ${k} (mtype): ${v}`),
      `- label ${rec.label}, uuid ${rec.fsUuid}`, `- debugvmfs6: ${rec.verdict.debugvmfs6}`, `- dissect: ${rec.verdict.dissect}`, `- ${rec.verdict.counts}`, '',
      '| path | type | mode | size | mtime | addressing | blocks | expected sha256 | debugvmfs6 | dissect |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const e of rec.entries) {
      const blocks = e.blockKind === 'resident' ? 'resident' : `${e.blockKind} sfb=${e.sfbs} lfb=${e.lfbs} sb=${e.subBlocks} tbz=${e.tbzBlocks} pb=${e.pointerBlocks}`;
      const sha = e.sha256 ?? (e.pieces ? `pieces: ${e.pieces.map((p) => `${p.offset}+${p.length}=${p.sha256.slice(0, 16)}…`).join(' ')}` : '-');
      lines.push(`| ${e.path.replace(/\|/g, '\\|')} | ${e.type} | ${e.modeString} | ${e.size} | ${e.mtime} | ${e.addressing} | ${blocks} | ${sha}${e.symlinkTarget ? ` → ${e.symlinkTarget}` : ''} | ${e.debugvmfs6.ls}; ${e.debugvmfs6.cat} | ${e.dissect.ls}; ${e.dissect.cat} |`);
    }
    for (const d of rec.digests) lines.push('', `Directory ${d.dir}: ${d.files} files (16 listed above); debugvmfs6: ${d.debugvmfs6}; dissect: ${d.dissect}.`);
    lines.push('');
  }
  writeFileSync(path.join(dir, 'README.md'), lines.join('\n'));
  writeFileSync(path.join(dir, 'MANIFEST-vmfs6.json'), JSON.stringify(section, null, 1));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [outDir, mode] = args;
  const pub = args.includes('--publish') ? args[args.indexOf('--publish') + 1] : undefined;
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : undefined;
  if (!outDir || (mode !== '--record' && mode !== '--check')) {
    console.error('usage: corpus-build.js OUTDIR --record|--check [--publish DIR] [--only a.img,b.img]');
    process.exit(2);
  }
  const old = readSection<Vmfs6Section>('vmfs6');
  const withDissect = mode === '--record';
  if (!existsSync(path.join(DISSECT, 'dissect.vmfs'))) console.log(`vmfs6: dissect.vmfs not found at ${DISSECT}: its verdicts are ${mode === '--check' ? 'taken from the MANIFEST, not re-checked' : 'NOT recorded'}`);
  else if (mode === '--check') console.log('vmfs6: --check re-runs debugvmfs6 only (dissect is not installable in CI); dissect\'s verdicts stay as recorded');
  const section: Vmfs6Section = {
    about: 'VMFS-6 images from corpus/builders/vmfs6 (buildVmfs6), each judged file by file by debugvmfs6 (vmfs6-tools) and dissect.vmfs; per image its sha256, per file the builder\'s facts, expected content sha256 and both readers\' verdicts, and which of them agreed',
    oracleTools: { debugvmfs6: debugvmfs6Version(), dissect: dissectVersion() },
    volumes: {},
  };
  let failed = false;
  const record = async (name: string, v: CorpusVolume6, spec: VolumeSpec6, b: BuildResult6, t: number, extra: Partial<Volume6Record> = {}): Promise<void> => {
    const rec = { ...(await judge(v, spec, b, outDir, withDissect && existsSync(path.join(DISSECT, 'dissect.vmfs')))), ...extra };
    const prior = old?.volumes[name];
    if (mode === '--check' && prior) {
      const same = JSON.stringify(liveView(prior)) === JSON.stringify(liveView(rec));
      console.log(`${name}: ${rec.images.map((i) => i.sha256.slice(0, 16)).join(' ')} debugvmfs6 ${rec.verdict.debugvmfs6}; ${same ? 'matches MANIFEST' : 'DIFFERS FROM MANIFEST'} (${Date.now() - t} ms)`);
      if (!same) failed = true;
      section.volumes[name] = prior;
      return;
    }
    if (mode === '--check') {
      console.log(`${name}: not in the MANIFEST`);
      failed = true;
    }
    section.volumes[name] = rec;
    console.log(`${name}: ${rec.images.map((i) => i.sha256.slice(0, 16)).join(' ')} debugvmfs6 ${rec.verdict.debugvmfs6}; dissect ${rec.verdict.dissect}; ${rec.verdict.counts} (${Date.now() - t} ms)`);
  };
  const keep = (name: string): boolean => {
    if (!only || only.includes(name.split('#')[0]!)) return false;
    for (const [k, r] of Object.entries(old?.volumes ?? {})) if (k.split('#')[0] === name) section.volumes[k] = r;
    return true;
  };
  for (const v of corpusVolumes6()) {
    if (keep(v.name)) continue;
    const t = Date.now();
    let states: Volume6Record['states'];
    let spec: VolumeSpec6;
    if (typeof v.spec === 'function') {
      const chains = path.join(outDir, 'vm-chains');
      rmSync(chains, { recursive: true, force: true });
      states = buildDeltaCorpus(chains).states.filter((s) => s.dir === 'SE').map((s) => ({ id: s.id, descriptor: s.descriptor, sha256: s.sha256 }));
      spec = v.spec(chains);
    } else spec = v.spec;
    const b = await buildVmfs6(spec, path.join(outDir, v.name), { table: v.table });
    await record(v.name, v, spec, b, t, states ? { states } : {});
  }
  if (!keep(BOOT_IMAGE)) {
    const t = Date.now();
    const bootSpec = bootDiskSpec(T6 + 5 * 86400);
    const boot = await buildBootDisk(bootSpec, path.join(outDir, BOOT_IMAGE));
    const image = { ...boot.image, partitionOffset: 0 };
    // The FAT partitions' independent reader: mtools, on the disk image at each partition's offset.
    const fat: Record<string, string> = {};
    for (const [key, files] of Object.entries(bootSpec.fat)) {
      const part = boot.partitions.find((p) => p.name === ({ boot: 'BOOT', bootbank1: 'BOOTBANK1', bootbank2: 'BOOTBANK2' } as Record<string, string>)[key])!;
      for (const [p, text] of Object.entries(files)) {
        const r = spawnSync('mtype', ['-i', `${boot.image.path}@@${part.offset}`, `::/${p}`], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' }, maxBuffer: 64 << 20 });
        const want = createHash('sha256').update(text).digest('hex');
        const got = createHash('sha256').update(r.stdout).digest('hex');
        fat[`${part.name}:/${p}`] = r.status !== 0 ? `mtype exit ${r.status}: ${r.stderr.toString().trim()}` : got === want ? `same (sha256 ${want})` : `differs: sha256 ${got}, expected ${want}`;
      }
    }
    for (const [key, vol, spec] of [['osdata', boot.osdata, { ...bootSpec.osdata, createTime: 0, uuidSeed: 0 }], ['datastore1', boot.datastore, { ...bootSpec.datastore, createTime: 0, uuidSeed: 0 }]] as const) {
      const b: BuildResult6 = { images: [{ ...image, partitionOffset: vol.partitionOffset }], label: vol.label, fsUuid: vol.fsUuid, lvUuid: vol.lvUuid, files: vol.files };
      await record(`${BOOT_IMAGE}#${key}`, { name: BOOT_IMAGE, spec, table: 'gpt' }, spec, b, t, { partitions: boot.partitions, fat });
    }
  }
  if (mode === '--record') {
    writeSection('vmfs6', section);
    console.log('vmfs6: MANIFEST section written');
    if (pub) publish(pub, section, outDir);
  } else if (failed) process.exit(1);
}

// Run only as the entry script (the VMFS-6 corpus imports vmfs5/corpus-build.js, whose basename is the same).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(`vmfs6 corpus: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
