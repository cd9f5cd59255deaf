/**
 * Where a worker thread's compiled script is. Built code (dist/) starts the
 * .js beside the caller; under vitest the sources run as .ts and a worker
 * cannot, so the build in dist/ is used (run npm run build first).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { embedded } from './embedded.js';

/** `callerUrl` is the caller's import.meta.url; `script` the worker's file name without extension, in the caller's folder. */
export function workerUrl(callerUrl: string, script: string): URL {
  const here = fileURLToPath(callerUrl);
  if (here.endsWith('.js')) return new URL(`./${script}.js`, callerUrl);
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)));
  const root = path.dirname(src);
  const built = path.join(root, 'dist', 'src', path.relative(src, path.dirname(here)), `${script}.js`);
  if (!existsSync(built)) throw new Error(`worker not built: ${built} (run npm run build)`);
  return new URL(`file://${built}`);
}

/**
 * Start worker `script` (a file beside the caller, see workerUrl). The self-contained executable
 * carries each worker as CommonJS source instead (src/embedded.ts, scripts/package.mjs WORKERS).
 */
export function startWorker(callerUrl: string, script: string, workerData: unknown): Worker {
  const source = embedded.worker?.(script);
  if (source !== undefined) return new Worker(source, { eval: true, workerData });
  return new Worker(workerUrl(callerUrl, script), { workerData });
}
