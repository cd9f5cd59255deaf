/**
 * corpus/MANIFEST: one JSON document of expected results, recorded from the
 * independent oracles (qemu-img, debugvmfs, vmdkinfo) so that `npm test`
 * needs none of them. Each corpus area owns one top-level section
 * ("vmdk", "vmfs", "deltas", "tsk", ...) and rewrites only that section.
 */
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'corpus');

function manifestPath(): string {
  // Works both from corpus/builders/*.ts (vitest) and dist/corpus/builders/*.js (compiled).
  const fromSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'MANIFEST');
  return existsSync(path.dirname(fromSrc)) && path.basename(path.dirname(fromSrc)) === 'corpus' && !fromSrc.includes(`${path.sep}dist${path.sep}`)
    ? fromSrc
    : path.join(CORPUS_DIR, 'MANIFEST');
}

export type Manifest = Record<string, unknown>;

export function readManifest(): Manifest {
  const p = manifestPath();
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Manifest) : {};
}

export function readSection<T>(section: string): T | undefined {
  return readManifest()[section] as T | undefined;
}

/** Replace one section, keeping the others as they are on disk right now. */
export function writeSection(section: string, value: unknown): void {
  const p = manifestPath();
  const m = readManifest();
  m[section] = value;
  const sorted = Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
  const tmp = `${p}.${process.pid}.partial`;
  writeFileSync(tmp, JSON.stringify(sorted, null, 2) + '\n');
  renameSync(tmp, p);
}
