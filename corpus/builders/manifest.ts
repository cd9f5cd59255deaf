/**
 * corpus/MANIFEST: one JSON document of expected results, recorded from the
 * independent oracles (qemu-img, debugvmfs, vmdkinfo) so that `npm test`
 * needs none of them. Each corpus area owns one top-level section
 * ("vmdk", "vmfs", "deltas", "tsk", ...) and rewrites only that section.
 */
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this file that holds package.json (works from src and dist). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
  return dir;
}

export const CORPUS_DIR = path.join(projectRoot(), 'corpus');

function manifestPath(): string {
  return path.join(CORPUS_DIR, 'MANIFEST');
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
