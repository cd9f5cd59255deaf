/**
 * Where a worker thread's compiled script is. Built code (dist/) starts the
 * .js beside the caller; under vitest the sources run as .ts and a worker
 * cannot, so the build in dist/ is used (run npm run build first).
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
