/**
 * `vmfskit mount` without --foreground: start the serving process detached
 * (before any FUSE handle exists here), wait on a pipe until it reports the
 * mount usable — or why it failed — and return, leaving it running.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VmfskitError } from '../errors.js';
import { prepareMountpoint } from './unmount.js';
import { embedded } from '../embedded.js';

export interface LaunchOptions {
  mountpoint: string;
  /** Arguments for `vmfskit mount --foreground …` (the address, the mount point, the options). */
  childArgs: string[];
  /** Where the serving process writes its log (it outlives our stderr). */
  logFile?: string;
  say: (line: string) => void;
}

/** Opening a large datastore and its disk chains can take a while, but not forever. */
const READY_TIMEOUT_MS = 10 * 60_000;

export function defaultLogFile(mnt: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(os.tmpdir(), `vmfskit-mount-${path.basename(mnt) || 'root'}-${stamp}.log`);
}

export async function launch(o: LaunchOptions): Promise<{ pid: number; logFile: string }> {
  const mnt = path.resolve(o.mountpoint);
  // Clean a dead mount and check the mount point here, so the common mistakes answer at once.
  await prepareMountpoint(mnt, o.say);
  const logFile = path.resolve(o.logFile ?? defaultLogFile(mnt));
  let logFd: number;
  try {
    logFd = openSync(logFile, 'a', 0o600);
  } catch (e) {
    throw new VmfskitError('OPEN', `cannot open the mount log: ${(e as Error).message}`, { file: logFile });
  }
  // node + script, or the self-contained executable alone (its argv[1] is not a script).
  const self = embedded.self?.() ?? [...process.execArgv, process.argv[1]!];
  const child = spawn(process.execPath, [...self, 'mount', '--foreground', '--ready-fd', '3', ...o.childArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: { ...process.env, VMFSKIT_QUIET_NATIVE: '1' },
  });
  closeSync(logFd);
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  const answer = await new Promise<Record<string, unknown> | null>((resolve) => {
    let text = '';
    const timer = setTimeout(() => done(null), READY_TIMEOUT_MS);
    const done = (v: Record<string, unknown> | null) => {
      clearTimeout(timer);
      resolve(v);
    };
    pipe.on('data', (d: Buffer) => {
      text += d.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        try {
          done(JSON.parse(text.slice(0, nl)) as Record<string, unknown>);
        } catch {
          done(null);
        }
      }
    });
    pipe.on('error', () => undefined);
    child.on('exit', () => setTimeout(() => done(null), 50));
  });
  (pipe as unknown as { destroy(): void }).destroy();
  if (answer?.ok === true) {
    child.unref();
    return { pid: child.pid!, logFile };
  }
  if (child.exitCode === null) child.kill('SIGTERM');
  if (answer && typeof answer.message === 'string') {
    const code = typeof answer.exitCode === 'number' ? answer.exitCode : 2;
    throw new VmfskitError('FUSE', answer.message, {}, { exitCode: code });
  }
  const tail = (await fsp.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').pop() ?? '';
  throw new VmfskitError('FUSE', `the mount process ended before the mount was ready${tail ? `: ${tail.replace(/^vmfskit: /, '')}` : ''} (log: ${logFile})`, { file: mnt });
}
