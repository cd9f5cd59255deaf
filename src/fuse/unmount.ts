/**
 * Unmounting and stale-mount recovery, for `vmfskit umount`, for the mount
 * launcher, and as the fallback of a daemon whose own unmount failed. Helpers
 * run in their own process group (`detached`), so a second Ctrl-C sent to
 * the terminal's group cannot kill them half-way (fuse-native-notes §5).
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { VmfskitError } from '../errors.js';
import { findMount, OUR_FSTYPE } from './mountinfo.js';

interface Outcome {
  ok: boolean;
  message: string;
}

function run(cmd: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    let err = '';
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve({ ok: false, message: `${cmd}: ${e.message}` }));
    child.on('close', (code) => resolve({ ok: code === 0, message: err.trim().split('\n').pop() ?? `${cmd} exited with ${code}` }));
  });
}

/**
 * Remove the FUSE mount at `mnt`: fusermount (libfuse2), fusermount3 (hosts
 * with only fuse3), then umount (root). `lazy` detaches even while files are
 * open; without it a busy mount is reported as busy.
 */
export async function unmountPath(mnt: string, lazy: boolean): Promise<void> {
  const flag = lazy ? '-uz' : '-u';
  const attempts: Array<[string, string[]]> = [
    ['fusermount', [flag, mnt]],
    ['fusermount3', [flag, mnt]],
  ];
  if (process.getuid?.() === 0) attempts.push(['umount', lazy ? ['-l', mnt] : [mnt]]);
  const messages: string[] = [];
  for (const [cmd, args] of attempts) {
    const r = await run(cmd, args);
    if (r.ok || !(await findMount(mnt))) return;
    messages.push(r.message);
    // A busy mount stays busy whichever tool asks: say so rather than trying the next.
    if (/busy/i.test(r.message)) break;
  }
  const busy = messages.some((m) => /busy/i.test(m));
  throw new VmfskitError(
    'FUSE',
    busy ? 'cannot unmount: the mount is in use (close the files or shells using it, or use --lazy)' : `cannot unmount: ${messages.join('; ')}`,
    { file: mnt },
  );
}

export type MountpointState = 'free' | 'ours' | 'stale' | 'other';

/**
 * What is at `mnt` now. Only ever called from a process that does not serve
 * a mount: it stats the mount point, which a dead mount answers with ENOTCONN.
 */
export async function mountpointState(mnt: string): Promise<MountpointState> {
  const entry = await findMount(mnt);
  if (!entry) return 'free';
  try {
    // statfs always asks the file system; a stat may be answered from attributes the kernel cached.
    await fsp.statfs(mnt);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTCONN' || code === 'ENXIO' || code === 'ECONNABORTED') return 'stale';
    throw e;
  }
  return entry.fstype === OUR_FSTYPE ? 'ours' : 'other';
}

/** The mount point must be an existing directory that nothing is mounted on; a dead mount is cleaned first. */
export async function prepareMountpoint(mnt: string, say: (line: string) => void): Promise<void> {
  const state = await mountpointState(mnt);
  if (state === 'stale') {
    await unmountPath(mnt, true);
    say(`${mnt}: removed a dead mount left by a process that ended without unmounting (Transport endpoint is not connected)`);
  } else if (state !== 'free') {
    throw new VmfskitError('FUSE', `already a mount point${state === 'ours' ? ' (a vmfskit mount: vmfskit umount it first)' : ''}`, { file: mnt });
  }
  let st;
  try {
    st = await fsp.stat(mnt);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VmfskitError(code === 'ENOENT' ? 'NOT_FOUND' : 'OPEN', `mount point ${code === 'ENOENT' ? 'does not exist' : `cannot be used (${code})`}`, { file: mnt });
  }
  if (!st.isDirectory()) throw new VmfskitError('OPEN', 'mount point is not a directory', { file: mnt });
}
