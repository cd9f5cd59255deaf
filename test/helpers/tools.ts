/**
 * External tools a test needs (oracles such as mmls/fls, FUSE). Tests that
 * need them use `describe.runIf(requireTools(...))`: where a tool is missing
 * the test is reported as skipped, but under CI (where .ci/run installs them)
 * a missing tool fails the run — never a silent skip, like hasSharedCorpus().
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** What a requirement is: a command on PATH, or a device that must be readable and writable. */
function present(tool: string): boolean {
  if (tool.startsWith('/')) {
    try {
      accessSync(tool, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;
}

const known = new Map<string, boolean>();

/** True when every tool is here; throws under CI when one is missing. */
export function requireTools(...tools: string[]): boolean {
  const missing = tools.filter((t) => {
    if (!known.has(t)) known.set(t, present(t));
    return !known.get(t);
  });
  if (missing.length && process.env.CI) {
    throw new Error(`CI is set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing or not usable: the tests that need ${missing.length > 1 ? 'them' : 'it'} cannot run`);
  }
  return missing.length === 0;
}

/** A FUSE mount can be made and unmounted here (fuse-native needs fusermount for an unprivileged mount). */
export const FUSE = ['/dev/fuse', 'fusermount'] as const;
/** The Sleuth Kit, the oracle for partition tables and file names. */
export const TSK = ['mmls', 'fls'] as const;
