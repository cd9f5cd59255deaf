/**
 * `vmfskit hash -r ADDR…`: every regular file under folders of VMFS volumes
 * (lun.img::/, lun.img::/VM) and of the host, in one process and one read of
 * each file's allocated data, written in byte-wise path order as
 * md5sum/sha*sum/xxhsum lines, BSD tag lines, hashdeep's own format, JSON,
 * and optionally DFXML with each file's byte runs in the LUN image.
 *
 * Small files are packed into slots hashed side by side on worker threads
 * (tree-batch.ts); a large one is hashed alone, its algorithms on several
 * threads (hashDevice), as `hash` hashes it. Results come back out of order
 * and are written in order; what is waiting to be written is bounded by the
 * slots, so memory does not grow with the number of files.
 */
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import type { BlockDevice, Run } from '../device/block-device.js';
import { checkContiguous } from '../device/sequential.js';
import { FileDevice } from '../device/file-device.js';
import { watchSignals } from '../convert/interrupt.js';
import { formatBytes } from '../convert/size.js';
import { writeJson, writeOut } from '../cli/output.js';
import { VmfskitError, isVmfskitError } from '../errors.js';
import { openVolume, parseAddress, type OpenOptions } from '../open.js';
import { VERSION } from '../version.js';
import type { VmfsVolume, VmfsVolumeDetails } from '../vmfs/index.js';
import { hostSource, hostStat } from '../walk/host.js';
import { volumeSource, walkSorted, type WalkSource, type WalkStat } from '../walk/walk.js';
import type { Algorithm } from './algorithms.js';
import { DFXML_END, dfxmlHeader, digestElements, isoSeconds, xmlEscape } from './dfxml.js';
import { hashDevice } from './hash-device.js';
import type { Digests } from './lane.js';
import { parseAlgorithms } from './multi-hash.js';
import { provenance } from './run-hash.js';
import { checkReportTarget } from './report-file.js';
import { bsdLineBytes, escapeNameBytes, gnuLineBytes } from './sum-lines.js';
import { SLOT_SIZE, SmallFileHasher } from './tree-batch.js';

export interface TreeHashRequest {
  addresses: string[];
  algorithms: string[];
  /** sums: md5sum lines (one algorithm) or BSD tag lines; hashdeep: hashdeep's file; json. */
  format: 'sums' | 'hashdeep' | 'json';
  tag?: boolean;
  /** Names as ESXi shows them: /vmfs/volumes/<label>/path. */
  esxiPaths?: boolean;
  /** Names under this folder (where the examiner mounts the volume, or copies the folder). */
  prefix?: string;
  dfxml?: string;
  force?: boolean;
  progress?: boolean;
  threads?: number;
  open: OpenOptions;
  commandLine: string;
}

/** The algorithms hashdeep knows that vmfskit has, in the order hashdeep writes its columns. */
const HASHDEEP_ORDER: Algorithm[] = ['md5', 'sha1', 'sha256'];

interface ByteRun {
  fileOffset: number;
  length: number;
  fill?: boolean;
  img?: number;
  fs?: number;
  image?: string;
}

interface Rec {
  name: Buffer;
  st?: WalkStat;
  what: 'file' | 'link' | 'symlink' | 'skip' | 'error';
  digests?: Digests;
  size?: number;
  message?: string;
  code?: number;
  linkOf?: Buffer;
  runs?: ByteRun[];
  ready?: Promise<void>;
  settled: boolean;
}

interface Root {
  source: WalkSource;
  start: WalkStat;
  vol?: VmfsVolume;
  /** Display name of an entry from its walk-relative path. */
  display(rel: Buffer, st: WalkStat): Buffer;
  open(st: WalkStat): Promise<BlockDevice>;
  /** Byte runs in the image are written when the volume spans several host files. */
  spanned: boolean;
}

const SLASH = Buffer.from('/');

function trimSlashes(s: string): string {
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}

/** A host file by raw path: a name that is not UTF-8 is opened through its descriptor. */
async function openHostFile(raw: Buffer): Promise<BlockDevice> {
  const text = raw.toString();
  if (Buffer.from(text).equals(raw)) return FileDevice.open(text);
  const fh = await fsp.open(raw, fs.constants.O_RDONLY);
  try {
    return await FileDevice.open(`/proc/self/fd/${fh.fd}`);
  } finally {
    await fh.close();
  }
}

async function openRoot(address: string, req: TreeHashRequest): Promise<Root> {
  const a = parseAddress(address);
  const prefix = req.prefix === undefined ? undefined : Buffer.from(trimSlashes(req.prefix) === '/' ? '' : trimSlashes(req.prefix));
  if (a.inner !== undefined) {
    const vol = await openVolume(a.host, req.open);
    try {
      const start = await vol.stat(a.inner);
      const base = req.esxiPaths ? Buffer.from(`/vmfs/volumes/${vol.label}`) : prefix ?? Buffer.alloc(0);
      const spanned = ((vol as Partial<VmfsVolumeDetails>).hostDevices?.().length ?? 1) > 1;
      return {
        source: volumeSource(vol),
        start,
        vol,
        display: (_rel, st) => Buffer.concat([base, Buffer.from(st.path)]),
        open: (st) => vol.openFile(st.path),
        spanned,
      };
    } catch (e) {
      await vol.close();
      throw e;
    }
  }
  const given = trimSlashes(a.host);
  const start = await hostStat(Buffer.from(given));
  const base = prefix ?? Buffer.from(given);
  return {
    source: hostSource(),
    start,
    display: (rel) => (rel.length === 0 ? Buffer.from(given) : Buffer.concat([base, base.length && base[base.length - 1] === 0x2f ? Buffer.alloc(0) : SLASH, rel])),
    open: (st) => openHostFile(st.raw!),
    spanned: false,
  };
}

/** Volume offset of a VMFS file byte, when the device can say (VmfsFile.volumeOffsetOf). */
type Locatable = { volumeOffsetOf?(offset: number): Promise<number | null>; residentVolumeOffset?(offset: number): number | null };

async function byteRuns(dev: BlockDevice, runs: Run[], st: WalkStat, root: Root): Promise<ByteRun[]> {
  const out: ByteRun[] = [];
  for (const r of runs) {
    if (r.kind === 'zero') {
      out.push({ fileOffset: r.offset, length: r.length, fill: true });
      continue;
    }
    const b: ByteRun = { fileOffset: r.offset, length: r.length };
    if (root.vol && r.fileOffset !== undefined) {
      b.img = r.fileOffset;
      if (root.spanned && r.file) b.image = r.file;
      let v = (await (dev as Locatable).volumeOffsetOf?.(r.offset)) ?? null;
      // Resident data lies in the FD itself, where the version's FD geometry puts it (vmfs-format.md §8.1).
      if (v === null) v = (dev as Locatable).residentVolumeOffset?.(r.offset) ?? null;
      if (v !== null) b.fs = v;
    }
    out.push(b);
  }
  return out;
}

function typeChar(st: WalkStat | undefined): { name: string; meta: number } {
  switch (st?.type) {
    case 'dir':
      return { name: 'd', meta: 2 };
    case 'symlink':
      return { name: 'l', meta: 6 };
    case 'file':
    case 'system':
    case 'rdm':
      return { name: 'r', meta: 1 };
    default:
      return { name: '-', meta: 0 };
  }
}

/** One fileobject as fiwalk writes them (TSK name/meta types, times in UTC, byte runs with image and file-system offsets). */
function fileObject(r: Rec, algs: Algorithm[]): string {
  const st = r.st;
  const t = typeChar(st);
  const name = xmlEscape(r.name.toString());
  const out = ['  <fileobject>', `    <filename>${name}</filename>`];
  if (st) {
    out.push(
      `    <name_type>${t.name}</name_type>`,
      `    <filesize>${st.size}</filesize>`,
      `    <meta_type>${t.meta}</meta_type>`,
      `    <mode>${st.mode & 0o7777}</mode>`,
      `    <nlink>${st.nlink}</nlink>`,
      `    <uid>${st.uid}</uid>`,
      `    <gid>${st.gid}</gid>`,
      `    <mtime>${isoSeconds(new Date(st.mtime * 1000))}</mtime>`,
      `    <atime>${isoSeconds(new Date(st.atime * 1000))}</atime>`,
      `    <ctime>${isoSeconds(new Date(st.ctime * 1000))}</ctime>`,
      `    <inode>${st.fdAddress}</inode>`,
    );
    if (st.symlinkTarget !== undefined) out.push(`    <link_target>${xmlEscape(st.symlinkTarget)}</link_target>`);
  }
  if (r.linkOf) out.push(`    <hard_link_to>${xmlEscape(r.linkOf.toString())}</hard_link_to>`);
  if (r.runs?.length) {
    out.push('    <byte_runs>');
    for (const b of r.runs) {
      if (b.fill) out.push(`      <byte_run file_offset='${b.fileOffset}' fill='0' len='${b.length}'/>`);
      else {
        const at = `${b.fs !== undefined ? ` fs_offset='${b.fs}'` : ''}${b.img !== undefined ? ` img_offset='${b.img}'` : ''}${b.image ? ` image_filename='${xmlEscape(b.image)}'` : ''}`;
        out.push(`      <byte_run file_offset='${b.fileOffset}'${at} len='${b.length}'/>`);
      }
    }
    out.push('    </byte_runs>');
  }
  if (r.digests) out.push(...digestElements(Object.fromEntries(algs.map((a) => [a, r.digests![a]!])), '    '));
  if (r.message && r.what !== 'file' && r.what !== 'link') out.push(`    <${r.what === 'error' ? 'error' : 'note'}>${xmlEscape(r.message)}</${r.what === 'error' ? 'error' : 'note'}>`);
  out.push('  </fileobject>', '');
  return out.join('\n');
}

/** Bytes for stdout, written in 256 KiB pieces. */
class Out {
  private parts: Buffer[] = [];
  private size = 0;
  add(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  async flush(force = false): Promise<void> {
    if (!this.size || (!force && this.size < 1 << 18)) return;
    const b = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    await writeOut(b);
  }
}

/** The DFXML report, streamed to NAME.partial and renamed once complete. */
class DfxmlFile {
  private constructor(
    readonly file: string,
    private readonly fh: fsp.FileHandle,
  ) {}
  private pending = '';
  static async create(file: string, force: boolean): Promise<DfxmlFile> {
    const partial = `${file}.partial`;
    const fh = await fsp.open(partial, force ? 'w' : 'wx', 0o644).catch((e: NodeJS.ErrnoException) => {
      throw new VmfskitError(e.code === 'EEXIST' ? 'EXISTS' : 'IO', e.code === 'EEXIST' ? 'a partial report is in the way (an earlier run was killed?); remove it or use --force' : `cannot write the report: ${e.message}`, { file: partial });
    });
    return new DfxmlFile(file, fh);
  }
  async add(s: string): Promise<void> {
    this.pending += s;
    if (this.pending.length >= 1 << 18) await this.flushPending();
  }
  private async flushPending(): Promise<void> {
    const s = this.pending;
    this.pending = '';
    await this.fh.write(s);
  }
  async finish(force: boolean, inputs: string[]): Promise<void> {
    await this.flushPending();
    await this.fh.sync();
    await this.fh.close();
    await checkReportTarget(this.file, force, inputs);
    await fsp.rename(`${this.file}.partial`, this.file);
  }
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => {});
    await fsp.rm(`${this.file}.partial`, { force: true });
  }
}

/** Every `## ` line hashdeep writes before its entries (hashdeep 4.4: cwd, then the command line after the shell's prompt character). */
function hashdeepHeader(algs: Algorithm[], commandLine: string): string {
  const prompt = process.getuid?.() === 0 ? '#' : '$';
  return ['%%%% HASHDEEP-1.0', `%%%% size,${algs.join(',')},filename`, `## Invoked from: ${process.cwd()}`, `## ${prompt} ${commandLine}`, '## ', ''].join('\n');
}

class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly on: boolean) {}
  update(files: number, bytes: number, name: Buffer): void {
    if (!this.on) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    const line = `${files} file(s), ${formatBytes(bytes)} hashed  ${name.toString()}`;
    const width = process.stderr.columns ? process.stderr.columns - 1 : 200;
    process.stderr.write(`\r${line.slice(0, width)}\x1b[K`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

export async function runTreeHash(req: TreeHashRequest): Promise<number> {
  let algs = parseAlgorithms(req.algorithms);
  if (req.format === 'hashdeep') {
    const other = algs.filter((a) => !HASHDEEP_ORDER.includes(a));
    if (other.length) throw new VmfskitError('USAGE', `--hashdeep: hashdeep has no ${other.join(', ')} (use md5, sha1, sha256)`);
    algs = HASHDEEP_ORDER.filter((a) => algs.includes(a));
  }
  if (req.esxiPaths && req.prefix !== undefined) throw new VmfskitError('USAGE', '--esxi-paths and --prefix both say where names live: give one');
  if (req.threads !== undefined && !(Number.isSafeInteger(req.threads) && req.threads >= 1)) {
    throw new VmfskitError('USAGE', `--threads must be a whole number of at least 1 (got ${req.threads})`);
  }
  const inputs = req.addresses.map((a) => parseAddress(a).host);
  if (req.dfxml) await checkReportTarget(req.dfxml, req.force ?? false, inputs);
  const startTime = new Date();
  const interrupt = watchSignals(() => {});
  const out = new Out();
  const dfxml = req.dfxml ? await DfxmlFile.create(req.dfxml, req.force ?? false) : undefined;
  const json: Record<string, unknown>[] = [];
  const threads = req.threads ?? os.availableParallelism();
  const small = await SmallFileHasher.create(algs, threads);
  const progress = new ProgressLine(req.progress ?? false);
  const oneLine = algs.length === 1 && !req.tag;
  const comment = req.format === 'hashdeep' ? '## ' : '# ';
  const pending: Rec[] = [];
  /** Digests of files with several links, by node, for their later names. */
  const linked = new Map<string, Digests>();
  /** The name each of those was hashed under. */
  const firstNames = new Map<string, Buffer>();
  if (req.format === 'hashdeep') out.add(Buffer.from(hashdeepHeader(algs, req.commandLine)));
  await dfxml?.add(dfxmlHeader({ program: 'vmfskit', version: VERSION, commandLine: req.commandLine, startTime, sources: [...new Set([...inputs, ...(req.open.extents ?? [])])] }));
  let worst = 0;
  let files = 0;
  let bytes = 0;

  const note = (name: Buffer, text: string): Buffer => Buffer.concat([Buffer.from(comment), escapeNameBytes(name).bytes, Buffer.from(`: ${text}\n`)]);

  const emit = async (r: Rec): Promise<void> => {
    if (r.what === 'error') {
      worst = Math.max(worst, 3);
      process.stderr.write(`vmfskit: ${r.name.toString()}: ${r.message}\n`);
    }
    if (r.what === 'file' && r.st && r.st.nlink > 1) linked.set(keyOf(r.st), r.digests!);
    if (req.format === 'json') {
      json.push({
        name: r.name.toString(),
        ...(r.st ? { type: r.st.type, size: r.st.size, 'fd-address': r.st.fdAddress, mtime: r.st.mtime } : {}),
        ...(r.digests ? { hashes: r.digests } : {}),
        ...(r.linkOf ? { 'hard-link-to': r.linkOf.toString() } : {}),
        ...(r.st?.symlinkTarget !== undefined ? { 'symlink-target': r.st.symlinkTarget } : {}),
        ...(r.what === 'error' ? { error: r.message } : r.what === 'skip' ? { note: r.message } : {}),
      });
    } else if (r.what === 'error') out.add(note(r.name, `ERROR: ${r.message}`));
    else if (r.what === 'symlink' || r.what === 'skip') out.add(note(r.name, r.message!));
    else {
      if (r.what === 'link') out.add(note(r.name, `hard link to ${escapeNameBytes(r.linkOf!).bytes.toString()} (hashed once)`));
      if (req.format === 'hashdeep') out.add(Buffer.concat([Buffer.from(`${r.size},${algs.map((a) => r.digests![a]).join(',')},`), r.name, Buffer.from('\n')]));
      else if (oneLine) out.add(gnuLineBytes(r.digests![algs[0]!]!, r.name));
      else for (const a of algs) out.add(bsdLineBytes(a, r.digests![a]!, r.name));
    }
    if (dfxml) await dfxml.add(fileObject(r, algs));
    await out.flush();
  };

  /** Write every finished record at the head; with `wait`, wait for the head first. */
  const drainReady = async (wait: boolean): Promise<void> => {
    while (pending.length) {
      const head = pending[0]!;
      if (!head.settled) {
        if (!wait) return;
        await head.ready;
      }
      pending.shift();
      await emit(head);
    }
  };

  const push = async (r: Rec): Promise<void> => {
    pending.push(r);
    await drainReady(false);
    // The slots bound what can be outstanding; this bounds what is finished but not yet written.
    if (pending.length > 8192) {
      await small.ship();
      await pending[0]!.ready;
      await drainReady(false);
    }
  };

  const hashEntry = async (root: Root, st: WalkStat, name: Buffer, linkOf: string | undefined): Promise<void> => {
    if (st.type === 'symlink') return push({ name, st, what: 'symlink', message: `symbolic link to ${st.symlinkTarget ?? '?'}, not followed`, settled: true });
    if (st.type === 'rdm') return push({ name, st, what: 'skip', message: 'raw device mapping (RDM): its data is on another LUN, not hashed', settled: true });
    if (st.type !== 'file' && st.type !== 'system') return push({ name, st, what: 'skip', message: 'not a regular file, not hashed', settled: true });
    if (linkOf !== undefined) {
      // The first name is earlier in the output: its digests are known when this one is written.
      const r: Rec = { name, st, what: 'link', size: st.size, linkOf: firstNames.get(keyOf(st)) ?? Buffer.from(linkOf), settled: false };
      const first = pending.find((p) => p.st && p.what === 'file' && keyOf(p.st) === keyOf(st));
      r.ready = (first?.ready ?? Promise.resolve()).then(() => {
        r.digests = linked.get(keyOf(st)) ?? first?.digests;
        if (!r.digests) Object.assign(r, { what: 'error', message: `hard link to ${linkOf}, which could not be hashed` });
        r.settled = true;
      });
      return push(r);
    }
    const r: Rec = { name, st, what: 'file', settled: false };
    if (st.nlink > 1) firstNames.set(keyOf(st), name);
    const failed = (e: unknown): void => {
      if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
      Object.assign(r, { what: 'error', message: e.message, code: e.exitCode, digests: undefined });
      r.settled = true;
    };
    let dev: BlockDevice | undefined;
    try {
      dev = await root.open(st);
      r.size = dev.size;
      const runs = dev.size ? await dev.map(0, dev.size) : [];
      checkContiguous(dev, runs, 0, dev.size);
      if (dfxml && root.vol) r.runs = await byteRuns(dev, runs, st, root);
      files++;
      bytes += dev.size;
      if (dev.size > SLOT_SIZE) {
        // Alone, as `hash` hashes it: its algorithms side by side, reads ahead (hashDevice).
        await small.drain();
        await drainReady(true);
        const d = await hashDevice(dev, algs, { threads: req.threads, check: () => interrupt.check() });
        r.digests = d.digests;
        r.settled = true;
      } else {
        const { digests } = await small.add(dev, runs);
        r.ready = digests.then(
          (d) => {
            r.digests = d;
            r.settled = true;
          },
          (e: Error) => {
            Object.assign(r, { what: 'error', message: `hashing failed: ${e.message}` });
            r.settled = true;
          },
        );
      }
    } catch (e) {
      failed(e);
    } finally {
      await dev?.close();
    }
    progress.update(files, bytes, name);
    await push(r);
  };

  try {
    for (const address of req.addresses) {
      let root: Root;
      try {
        root = await openRoot(address, req);
      } catch (e) {
        if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
        await push({ name: Buffer.from(address), what: 'error', message: e.message, code: e.exitCode, settled: true });
        continue;
      }
      try {
        for await (const item of walkSorted(root.source, root.start)) {
          interrupt.check();
          if (item.kind === 'problem') {
            await push({ name: root.display(item.rel, { ...root.start, path: item.path }), what: 'error', message: item.message, code: item.code, settled: true });
            continue;
          }
          await hashEntry(root, item.st, root.display(item.rel, item.st), item.linkOf);
        }
        await small.drain();
        await drainReady(true);
      } finally {
        await root.vol?.close();
      }
    }
    await small.drain();
    await drainReady(true);
  } catch (e) {
    await dfxml?.abandon();
    throw e;
  } finally {
    progress.clear();
    interrupt.dispose();
    await small.close();
  }
  const endTime = new Date();
  if (dfxml) {
    await dfxml.add(DFXML_END);
    await dfxml.finish(req.force ?? false, inputs);
  }
  if (req.format === 'json') {
    await writeJson({
      ...provenance(req.commandLine, startTime, endTime),
      complete: worst === 0,
      files: json,
    });
  } else await out.flush(true);
  if (worst) process.stderr.write(`vmfskit: the manifest is incomplete: some entries could not be hashed (see the ERROR lines)\n`);
  return worst;

  function keyOf(st: WalkStat): string {
    return String(st.key ?? st.fdAddress);
  }
}

