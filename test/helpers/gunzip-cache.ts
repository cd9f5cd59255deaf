/**
 * Decompress a .gz once per machine into the OS temp dir, keyed by the
 * compressed file's size and mtime, and hand out the path. The cached copy
 * is made read-only: tests must never write to evidence.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, renameSync, chmodSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const CACHE = path.join(os.tmpdir(), 'vmfskit-gunzip-cache');

export async function gunzipCached(gzPath: string, outName?: string): Promise<string> {
  const st = statSync(gzPath);
  const key = createHash('sha256').update(`${path.resolve(gzPath)}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = path.join(CACHE, key);
  const out = path.join(dir, outName ?? path.basename(gzPath).replace(/\.gz$/, ''));
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.partial`;
  await pipeline(createReadStream(gzPath), createGunzip(), createWriteStream(tmp));
  chmodSync(tmp, 0o444);
  renameSync(tmp, out);
  return out;
}
