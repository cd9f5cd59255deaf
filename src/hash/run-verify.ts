/**
 * `vmfskit verify --manifest FILE [ROOT]`: check every file a manifest
 * names (one read pass per file, all its algorithms together), report
 * `NAME: OK | FAILED | MISSING`, and with --audit every file under the
 * root the manifest does not know as `NAME: NEW`. Exit 0 only if all match.
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
  /** Hash VMDK files' own bytes; undefined = the default of the manifest's format. */
  container?: boolean;
  /** Algorithm for bare digests whose length is ambiguous. */
  algorithm?: string;
  quiet?: boolean;
  strict?: boolean;
  json?: boolean;
  /** A progress line on stderr while each entry is hashed. */
  progress?: boolean;
  open: OpenOptions;
}

type Status = 'OK' | 'FAILED' | 'MISSING' | 'NEW';

interface FileResult {
  name: string;
  status: Status;
  address?: string;
  size?: number;
  expected?: Partial<Record<Algorithm, string>>;
  computed?: Record<string, string>;
  problem?: string;
  /** Opened as a VMDK's virtual disk. */
  virtual?: boolean;
}

async function check(entry: ManifestEntry, root: VerifyRoot, req: VerifyRequest, container: boolean, interrupt: () => void): Promise<FileResult> {
  const address = root.address(entry.name);
  const base = { name: entry.name, address, expected: entry.expected };
  let opened;
  try {
    opened = await openAddress(address, { ...req.open, container });
  } catch (e) {
    if (isVmfskitError(e) && e.code === 'NOT_FOUND') return { ...base, status: 'MISSING' };
    if (isVmfskitError(e)) return { ...base, status: 'FAILED', problem: `cannot open: ${e.message}` };
    throw e;
  }
  let progress: Progress | undefined;
  try {
    const size = opened.device.size;
    if (entry.size !== undefined && entry.size !== size) {
      return { ...base, size, status: 'FAILED', problem: `size: expected ${entry.size}, actual ${size}` };
    }
    const algs = Object.keys(entry.expected);
    progress = req.progress ? new Progress(size) : undefined;
    const d = await hashDevice(opened.device, algs, { check: interrupt, onProgress: progress ? (done, run) => progress!.update(done, run) : undefined });
    progress?.clear();
    const bad = algs.filter((a) => d.digests[a] !== entry.expected[a as Algorithm]);
    return { ...base, size, computed: d.digests, status: bad.length ? 'FAILED' : 'OK', virtual: opened.kind === 'vmdk' };
  } catch (e) {
    if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
    return { ...base, status: 'FAILED', problem: `read error: ${e.message}` };
  } finally {
    progress?.clear();
    await opened.close();
  }
}

function formatLine(r: FileResult): string {
  const lines = [`${r.name}: ${r.status}`];
  if (r.problem) lines.push(`  ${r.problem}`);
  if (r.status === 'FAILED' && r.computed) {
    for (const [alg, hex] of Object.entries(r.expected ?? {})) {
      if (r.computed[alg] !== hex) lines.push(`  ${alg} expected ${hex}`, `  ${alg} computed ${r.computed[alg]}`);
    }
    if (r.virtual) lines.push('  (a VMDK is hashed as its virtual disk; --container checks the file\'s own bytes)');
  }
  return lines.join('\n') + '\n';
}

export async function runVerify(req: VerifyRequest): Promise<number> {
  const fallback = req.algorithm === undefined ? undefined : normalizeAlgorithm(req.algorithm);
  if (req.algorithm !== undefined && !fallback) throw new VmfskitError('USAGE', `unknown hash algorithm '${req.algorithm}'`);
  const manifest = await readManifest(req.manifest, fallback);
  // hashdeep only ever hashes files' bytes; our own sum lines mean a VMDK's virtual disk, as `vmfskit hash` writes them.
  const container = req.container ?? manifest.format === 'hashdeep';
  if (manifest.malformed.length) {
    const n = manifest.malformed.length;
    process.stderr.write(`vmfskit: ${req.manifest}: WARNING: ${n} line${n > 1 ? 's are' : ' is'} improperly formatted (line ${manifest.malformed.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})\n`);
    if (req.strict) return EXIT.DIFFERENT;
  }
  for (const c of manifest.conflicts) process.stderr.write(`vmfskit: ${req.manifest}: WARNING: two different digests for ${c}\n`);

  const root = req.root ? await openRoot(req.root, req.open, [req.manifest]) : hostRoot(path.dirname(req.manifest), [req.manifest]);
  const interrupt = watchSignals(() => {});
  const results: FileResult[] = [];
  try {
    for (const entry of manifest.entries) {
      const r = await check(entry, root, req, container, () => interrupt.check());
      results.push(r);
      if (!req.json && !(req.quiet && r.status === 'OK')) await writeOut(formatLine(r));
    }
    if (req.audit) {
      const known = new Set(manifest.entries.map((e) => root.key(e.name)));
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
    await writeJson({ manifest: req.manifest, format: manifest.format, container, verified: ok, summary, files: results });
  } else if (!ok) {
    process.stderr.write(
      `vmfskit: WARNING: ${summary.failed} FAILED, ${summary.missing} MISSING, ${summary.new} NEW, ${summary.ok} OK of ${results.length} file(s)\n`,
    );
  }
  return ok ? EXIT.OK : EXIT.DIFFERENT;
}
