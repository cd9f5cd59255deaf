/**
 * `vmfskit verify --manifest FILE [ROOT]`: check every file a manifest
 * names (one read pass per content tried, all its algorithms together),
 * report `NAME: OK | FAILED | MISSING`, and with --audit every file under
 * the root the manifest does not know as `NAME: NEW`. Exit 0 only if all match.
 */
import path from 'node:path';
import { openAddress, type OpenOptions } from '../open.js';
import { EXIT, VmfskitError, isVmfskitError } from '../errors.js';
import { watchSignals } from '../convert/interrupt.js';
import { writeOut, writeJson } from '../cli/output.js';
import { normalizeAlgorithm, type Algorithm } from './algorithms.js';
import { hashDevice } from './hash-device.js';
import { Progress } from '../convert/progress.js';
import { readManifest, type ManifestEntry } from './manifest.js';
import { hostRoot, openRoot, type VerifyRoot } from './verify-root.js';

export interface VerifyRequest {
  manifest: string;
  root?: string;
  audit?: boolean;
  /** Only files' own bytes (true), or only a VMDK's virtual disk (false, as --virtual); undefined = either. */
  container?: boolean;
  /** Only a VMDK's virtual disk content (other files are their bytes anyway). */
  virtual?: boolean;
  /** Algorithm for bare digests whose length is ambiguous. */
  algorithm?: string;
  quiet?: boolean;
  strict?: boolean;
  json?: boolean;
  /** A progress line on stderr while each entry is hashed. */
  progress?: boolean;
  /** Names under this folder (hash -r --prefix) are paths in the root. */
  prefix?: string;
  open: OpenOptions;
}

type Status = 'OK' | 'FAILED' | 'MISSING' | 'NEW';

/** What a digest was computed over. A non-VMDK file has one content, its bytes. */
type Content = 'file-bytes' | 'virtual-disk';
/** Which content a manifest line may be about: 'either' unless the examiner says. */
type Mode = 'either' | Content;

const CONTENT_TEXT: Record<Content, string> = { 'file-bytes': 'file bytes', 'virtual-disk': 'virtual disk content' };

interface Attempt {
  content: Content;
  size?: number;
  computed?: Record<string, string>;
  /** Why this content could not be compared (size differs, cannot open, read error). */
  problem?: string;
  ok: boolean;
}

interface FileResult {
  name: string;
  status: Status;
  address?: string;
  /** The content that matched (OK). */
  content?: Content;
  size?: number;
  expected?: Partial<Record<Algorithm, string>>;
  computed?: Record<string, string>;
  problem?: string;
  /** FAILED: every content tried, so a reader sees both were. */
  tried?: Attempt[];
}

interface CheckContext {
  req: VerifyRequest;
  interrupt: () => void;
  /** A manifest name as a name under the root (--prefix taken off). */
  unprefix: (name: string) => string;
}

/** `hash -r --prefix /mnt/evidence` wrote /mnt/evidence/VM/x: with the same --prefix that is /VM/x in a volume, VM/x in a folder. */
function unprefixer(prefix: string | undefined, inVolume: boolean): (name: string) => string {
  if (prefix === undefined) return (n) => n;
  const p = prefix.length > 1 ? prefix.replace(/\/+$/, '') : prefix;
  const head = p === '/' ? '/' : p + '/';
  return (n) => (n.startsWith(head) ? (inVolume ? '/' : '') + n.slice(head.length) : n === p ? (inVolume ? '/' : '.') : n);
}

/** The name (or a folder on its way) does not exist — not an extent or parent of the VMDK it names. */
function namesItself(e: VmfskitError, address: string): boolean {
  return e.code === 'NOT_FOUND' && e.file !== undefined && (address === e.file || address.startsWith(e.file + '/'));
}

/** One content of one entry: open it, compare the size where the manifest has one, hash. 'missing' when the name does not exist. */
async function attempt(entry: ManifestEntry, address: string, want: Mode, ctx: CheckContext): Promise<Attempt | 'missing' | 'not-a-disk'> {
  let opened;
  try {
    opened = await openAddress(address, { ...ctx.req.open, container: want === 'file-bytes' });
  } catch (e) {
    if (isVmfskitError(e) && namesItself(e, address)) return 'missing';
    if (isVmfskitError(e) && e.code !== 'INTERRUPTED') return { content: want === 'either' ? 'virtual-disk' : want, problem: `cannot open: ${e.message}`, ok: false };
    throw e;
  }
  const content: Content = opened.kind === 'vmdk' ? 'virtual-disk' : 'file-bytes';
  let progress: Progress | undefined;
  try {
    // Asked for "either" after the bytes failed: a file that is not a virtual disk has nothing else to offer.
    if (want === 'either' && content === 'file-bytes') return 'not-a-disk';
    const size = opened.device.size;
    if (entry.size !== undefined && entry.size !== size) return { content, size, problem: `size: expected ${entry.size}, actual ${size}`, ok: false };
    const algs = Object.keys(entry.expected);
    progress = ctx.req.progress ? new Progress(size) : undefined;
    const d = await hashDevice(opened.device, algs, { check: ctx.interrupt, onProgress: progress ? (done, run) => progress!.update(done, run) : undefined });
    const ok = algs.every((a) => d.digests[a] === entry.expected[a as Algorithm]);
    return { content, size, computed: d.digests, ok };
  } catch (e) {
    if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
    return { content, problem: `read error: ${e.message}`, ok: false };
  } finally {
    progress?.clear();
    await opened.close();
  }
}

/**
 * A manifest line claims what a name hashed to, not how: md5sum/sha*sum/hashdeep on a datastore
 * hash files' bytes, `vmfskit hash` a VMDK's virtual disk. So the bytes are tried first (cheap for a
 * descriptor), then, for a VMDK whose bytes did not match, its virtual disk.
 */
async function check(entry: ManifestEntry, root: VerifyRoot, mode: Mode, ctx: CheckContext): Promise<FileResult> {
  const where = root.locate(ctx.unprefix(entry.name));
  if ('elsewhere' in where) return { name: entry.name, status: 'MISSING', expected: entry.expected, problem: where.elsewhere };
  const base = { name: entry.name, address: where.address, expected: entry.expected };
  const order: Mode[] = mode === 'either' ? ['file-bytes', 'either'] : [mode];
  const tried: Attempt[] = [];
  for (const want of order) {
    const a = await attempt(entry, where.address, want, ctx);
    if (a === 'missing') return { ...base, status: 'MISSING' };
    if (a === 'not-a-disk') break;
    if (a.ok) return { ...base, status: 'OK', content: a.content, size: a.size, computed: a.computed };
    tried.push(a);
  }
  const first = tried[0]!;
  return { ...base, status: 'FAILED', size: first.size, computed: first.computed, problem: first.problem, tried };
}

function formatLine(r: FileResult): string {
  if (r.status === 'OK' && r.content === 'virtual-disk') return `${r.name}: OK (${CONTENT_TEXT['virtual-disk']})\n`;
  const lines = [`${r.name}: ${r.status}`];
  const tried = r.tried ?? [];
  // Name the content only where there were two to choose from: a plain file's lines read as md5sum -c's.
  const label = (a: Attempt): string => (tried.length > 1 || a.content === 'virtual-disk' ? ` (${CONTENT_TEXT[a.content]})` : '');
  if (r.status === 'MISSING' && r.problem) lines.push(`  ${r.problem}`);
  for (const a of tried) if (a.problem) lines.push(`  ${a.problem}${label(a)}`);
  for (const [alg, hex] of Object.entries(r.expected ?? {})) {
    const wrong = tried.filter((a) => a.computed && a.computed[alg] !== hex);
    if (!wrong.length) continue;
    lines.push(`  ${alg} expected ${hex}`);
    for (const a of wrong) lines.push(`  ${alg} computed ${a.computed![alg]}${label(a)}`);
  }
  return lines.join('\n') + '\n';
}

function contentMode(req: VerifyRequest): Mode {
  if (req.container && req.virtual) throw new VmfskitError('USAGE', '--container (file bytes only) and --virtual (virtual disk only) exclude each other');
  if (req.container) return 'file-bytes';
  return req.virtual || req.container === false ? 'virtual-disk' : 'either';
}

export async function runVerify(req: VerifyRequest): Promise<number> {
  const fallback = req.algorithm === undefined ? undefined : normalizeAlgorithm(req.algorithm);
  if (req.algorithm !== undefined && !fallback) throw new VmfskitError('USAGE', `unknown hash algorithm '${req.algorithm}'`);
  const mode = contentMode(req);
  const manifest = await readManifest(req.manifest, fallback);
  if (manifest.malformed.length) {
    const n = manifest.malformed.length;
    process.stderr.write(`vmfskit: ${req.manifest}: WARNING: ${n} line${n > 1 ? 's are' : ' is'} improperly formatted (line ${manifest.malformed.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})\n`);
    if (req.strict) return EXIT.DIFFERENT;
  }
  for (const c of manifest.conflicts) process.stderr.write(`vmfskit: ${req.manifest}: WARNING: two different digests for ${c}\n`);

  const root = req.root ? await openRoot(req.root, req.open, [req.manifest]) : hostRoot(path.dirname(req.manifest), [req.manifest]);
  const unprefix = unprefixer(req.prefix, root.inVolume);
  const interrupt = watchSignals(() => {});
  const results: FileResult[] = [];
  try {
    for (const entry of manifest.entries) {
      const r = await check(entry, root, mode, { req, interrupt: () => interrupt.check(), unprefix });
      results.push(r);
      if (!req.json && !(req.quiet && r.status === 'OK')) await writeOut(formatLine(r));
    }
    if (req.audit) {
      const known = new Set(manifest.entries.map((e) => root.key(unprefix(e.name))));
      for (const f of await root.list()) {
        if (known.has(f.key)) continue;
        const r: FileResult = { name: f.display, status: 'NEW' };
        results.push(r);
        if (!req.json) await writeOut(formatLine(r));
      }
    }
  } finally {
    interrupt.dispose();
    await root.close();
  }

  const count = (s: Status): number => results.filter((r) => r.status === s).length;
  const ok = count('OK') === results.length && manifest.conflicts.length === 0;
  const summary = { ok: count('OK'), failed: count('FAILED'), missing: count('MISSING'), new: count('NEW') };
  if (req.json) {
    await writeJson({ manifest: req.manifest, format: manifest.format, content: mode, verified: ok, summary, files: results });
  } else if (!ok) {
    process.stderr.write(
      `vmfskit: WARNING: ${summary.failed} FAILED, ${summary.missing} MISSING, ${summary.new} NEW, ${summary.ok} OK of ${results.length} file(s)\n`,
    );
  }
  return ok ? EXIT.OK : EXIT.DIFFERENT;
}
