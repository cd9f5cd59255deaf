/**
 * `vmfskit mount`: check the arguments, then either start the serving process
 * in the background and wait for it (default), or serve here (--foreground).
 */
import path from 'node:path';
import { VmfskitError, isVmfskitError } from '../errors.js';
import { parseAddress, type OpenOptions } from '../open.js';

export interface MountCommandArgs {
  addr: string;
  mountpoint: string;
  foreground: boolean;
  allowOther: boolean;
  open: OpenOptions;
  log?: string;
  uid?: number;
  gid?: number;
  /** Octal text, e.g. "027". */
  umask?: string;
  readyFd?: number;
  /** Print the result as one JSON document. */
  json?: boolean;
}

function checkIds(a: MountCommandArgs): void {
  for (const k of ['uid', 'gid'] as const) {
    const v = a[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xfffffffe)) throw new VmfskitError('USAGE', `--${k} must be a numeric id`);
  }
  if (a.umask !== undefined && !/^[0-7]{1,4}$/.test(a.umask)) throw new VmfskitError('USAGE', '--umask must be octal, e.g. 027');
}

/**
 * The same mount for the background process: the user's own arguments after
 * the command name, passed on unchanged (so every option, present and
 * future, reaches the serving process); it adds --foreground and --ready-fd.
 */
function childArgs(): string[] {
  const argv = process.argv.slice(2);
  return argv.slice(argv.indexOf('mount') + 1);
}

/** Returns the exit status; in the foreground it returns only once unmounted. */
export async function mountCommand(a: MountCommandArgs, print: (text: string) => Promise<void>): Promise<number> {
  checkIds(a);
  if (!a.foreground) {
    // Say at once when this machine cannot mount at all (loading the addon opens no FUSE handle).
    const { loadFuse, checkDevFuse, fuseOptionString } = await import('./binding.js');
    loadFuse();
    await checkDevFuse();
    const { launch } = await import('./launcher.js');
    const say = (line: string) => void process.stderr.write(`vmfskit: ${line}\n`);
    const r = await launch({ mountpoint: a.mountpoint, childArgs: childArgs(), logFile: a.log, say });
    const mountpoint = path.resolve(a.mountpoint);
    await print(
      a.json
        ? JSON.stringify({ source: a.addr, mountpoint, pid: r.pid, log: r.logFile, options: fuseOptionString({ fsname: path.resolve(parseAddress(a.addr).host), allowOther: a.allowOther }).slice(2) }, null, 2) + '\n'
        : `mounted ${a.addr} read-only on ${a.mountpoint} (pid ${r.pid}, log ${r.logFile})\nunmount with: vmfskit umount ${a.mountpoint}\n`,
    );
    return 0;
  }
  const { serve, reportReady } = await import('./daemon.js');
  try {
    return await serve({
      addr: a.addr,
      mountpoint: a.mountpoint,
      allowOther: a.allowOther,
      open: a.open,
      readyFd: a.readyFd,
      owner: { uid: a.uid, gid: a.gid, umask: a.umask === undefined ? undefined : parseInt(a.umask, 8) },
    });
  } catch (e) {
    const message = isVmfskitError(e) ? e.message : ((e as Error)?.message ?? String(e));
    reportReady(a.readyFd, { ok: false, message, exitCode: isVmfskitError(e) ? e.exitCode : 70 });
    throw e;
  }
}
