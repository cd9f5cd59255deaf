/**
 * Corpus cases for tests: the project's own small images, committed as one
 * `.tar.gz` per case under corpus/<area>/, with their expected results in
 * the matching section of corpus/MANIFEST.
 *
 * Convention (any area may use it): a MANIFEST section that holds
 * extractable cases has the shape
 *
 *   { "cases": { "<case>": { "archive": "vmdk/<case>.tar.gz",   // relative to corpus/
 *                             "entry":   "dir/x.vmdk",          // file to open, relative to the case dir
 *                             ...area-specific expected results } } }
 *
 * Usage:
 *
 *   import { listCases, extractCase } from './helpers/corpus.js';
 *   for (const name of listCases('vmdk')) {
 *     const c = await extractCase<VmdkCase>('vmdk', name);
 *     // c.dir: the extracted tree, c.entry: absolute path of the entry file,
 *     // c.manifest: the case's MANIFEST entry (expected sha256, map, info ...)
 *   }
 *
 * Each archive is extracted once per machine into the OS temp dir, keyed by
 * the archive's own sha256, and its files are made read-only (0444): tests
 * read them like evidence and must never write to them — copy first if a
 * test needs to damage a file. Extraction uses the system `tar` (not an
 * oracle tool; it is in every base image).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORPUS } from './paths.js';
import { sha256 } from './hash.js';

/** The fields every extractable case has; areas extend it. */
export interface CorpusCase {
  /** The archive, relative to corpus/. */
  archive: string;
  /** The file a user would name on the command line, relative to the extracted case dir. */
  entry: string;
  /** Every file of the case (relative path, size, sha256): checked once after extraction. */
  files?: Array<{ path: string; size: number; sha256: string }>;
}

/** A `vmdk` section case (written by corpus/build-vmdk.sh). */
export interface VmdkCase extends CorpusCase {
  /** What the case is about, in one line. */
  about: string;
  /** Virtual disk size in bytes (qemu-img info "virtual-size", or the format reference where `why` says so). */
  virtualSize: number;
  /** sha256 of the disk's raw content. */
  sha256: string;
  /** Who decided `sha256`: qemu-img convert (checked against the bytes the case was built from), or the format reference. */
  sha256Source: string;
  /** `qemu-img map --output=json`, reduced to merged runs: zero = reads as zeros without data; depth = chain layer that answers (0 = top). */
  map: Array<{ start: number; length: number; zero: boolean; depth: number }>;
  /** `qemu-img info --output=json` essentials ("format-specific.data" + "cluster-size"). */
  info: { 'create-type': string; cid: number; 'parent-cid': number; 'cluster-size'?: number };
  /** `vmdkinfo` media size in bytes where libvmdk reads the image, else null (with the reason in `why`). */
  vmdkinfoMediaSize: number | null;
  /** sha256 of the content as libvmdk's vmdkmount reads it (top layer), or null where it refuses the image; differs from `sha256` only where `why` says libvmdk is wrong. */
  libvmdkSha256: string | null;
  /** Only where qemu-img is known wrong and the format reference decided virtualSize/sha256/map: what qemu-img gives instead. */
  qemu?: { virtualSize: number; sha256: string; map: VmdkCase['map'] };
  /** Where an oracle is known wrong or could not be used, and what decided instead. */
  why?: string;
}

export interface ExtractedCase<T extends CorpusCase = CorpusCase> {
  name: string;
  /** Root of the extracted tree (read-only files). */
  dir: string;
  /** Absolute path of the entry file. */
  entry: string;
  manifest: T;
}

const CACHE = path.join(os.tmpdir(), 'vmfskit-corpus-cache');

function readSectionCases(section: string): Record<string, CorpusCase> {
  const manifest = JSON.parse(readFileSync(path.join(CORPUS, 'MANIFEST'), 'utf8')) as Record<string, { cases?: Record<string, CorpusCase> }>;
  const cases = manifest[section]?.cases;
  if (!cases) throw new Error(`corpus/MANIFEST has no "${section}.cases" section (run: npm run corpus)`);
  return cases;
}

/** Names of the cases of one MANIFEST section, sorted. */
export function listCases(section: string): string[] {
  return Object.keys(readSectionCases(section)).sort();
}

/** The MANIFEST entry of one case, without extracting it. */
export function caseEntry<T extends CorpusCase = CorpusCase>(section: string, name: string): T {
  const c = readSectionCases(section)[name];
  if (!c) throw new Error(`corpus/MANIFEST: no case "${name}" in section "${section}"`);
  return c as T;
}

function sha256Of(file: string): string {
  return sha256(readFileSync(file));
}

function makeReadOnly(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makeReadOnly(p);
    else if (e.isFile()) chmodSync(p, 0o444);
  }
}

/** Extract one case (once per machine) and return where its files are. */
export async function extractCase<T extends CorpusCase = CorpusCase>(section: string, name: string): Promise<ExtractedCase<T>> {
  const manifest = caseEntry<T>(section, name);
  const archive = path.join(CORPUS, manifest.archive);
  const key = sha256Of(archive).slice(0, 16);
  // Keyed by the archive, not the case: cases that share an archive share one copy.
  const dir = path.join(CACHE, `${path.basename(manifest.archive).replace(/[^A-Za-z0-9_.-]/g, '_')}-${key}`);
  if (!existsSync(dir)) {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${dir}.${process.pid}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    const r = spawnSync('tar', ['-xzf', archive, '-C', tmp], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar -xzf ${archive}: ${r.stderr || r.error?.message}`);
    for (const f of manifest.files ?? []) {
      const p = path.join(tmp, f.path);
      const size = statSync(p).size;
      const sum = sha256Of(p);
      if (size !== f.size || sum !== f.sha256) throw new Error(`${manifest.archive}: ${f.path} is ${size} bytes, sha256 ${sum}; MANIFEST says ${f.size}, ${f.sha256}`);
    }
    makeReadOnly(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another test worker extracted the same archive first: use its copy.
      if (!existsSync(dir)) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { name, dir, entry: path.join(dir, manifest.entry), manifest };
}
