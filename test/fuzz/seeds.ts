/**
 * Where the fuzzer's seeds come from: the shared real images (made by ESXi
 * and VMware's disk library; never copied into the project) and files the
 * corpus builders write. Cached under the OS temp dir, read-only.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipCached } from '../helpers/gunzip-cache.js';

/** The project root, found from this file whether it runs as TypeScript (vitest) or from dist/. */
export const ROOT = (() => {
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
})();
export const SHARED_CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
export const CACHE = path.join(os.tmpdir(), 'vmfskit-fuzz-cache');

/** A file of the shared corpus; a missing corpus is an error (the fuzzer never silently skips a format). */
export async function sharedFile(rel: string): Promise<string> {
  const p = path.join(SHARED_CORPUS, rel);
  if (!existsSync(p)) throw new Error(`fuzz seed missing: ${p} (the shared corpus, see HELPERS.md)`);
  return p.endsWith('.gz') ? gunzipCached(p) : p;
}

export async function sharedBytes(rel: string): Promise<Buffer> {
  return readFileSync(await sharedFile(rel));
}
