/** Where things are, for tests: the project, its corpus, the shared real images. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = path.join(ROOT, 'corpus');
export const BIN = path.join(ROOT, 'bin', 'vmfskit');
export const SHARED_CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

/** A per-run scratch directory under the OS temp dir. */
export function scratch(name: string): string {
  const dir = path.join(os.tmpdir(), 'vmfskit-test', `${name}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The shared real-image corpus. Tests that need it use `describe.runIf(hasSharedCorpus())`;
 * under CI its absence is a failure, never a silent skip.
 */
export function hasSharedCorpus(): boolean {
  const present = existsSync(path.join(SHARED_CORPUS, 'README.md'));
  if (!present && process.env.CI) {
    throw new Error(`CI is set but the shared corpus is missing at ${SHARED_CORPUS}`);
  }
  return present;
}
