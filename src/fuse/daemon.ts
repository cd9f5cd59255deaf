/**
 * The process that serves a mount (`vmfskit mount --foreground`). It opens
 * the evidence, mounts, answers the kernel until unmounted, and spawns no
 * reader of its own mount: children would inherit /dev/fuse, and a child
 * reading the mount synchronously deadlocks the server (fuse-native-notes §4).
 * The only children are the unmount helpers at the very end.
 */
import { promises as fsp, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { isVmfskitError } from '../errors.js';
import { parseAddress, type OpenOptions } from '../open.js';
import { checkDevFuse, loadFuse, mountFuse, type FuseHandle } from './binding.js';
import { findMount, OUR_FSTYPE } from './mountinfo.js';
import { buildMountSource, type MountSource } from './mount-source.js';
import { TreeOps, type OwnerOverride } from './ops.js';
import { prepareMountpoint, unmountPath } from './unmount.js';

export interface ServeOptions {
  addr: string;
  mountpoint: string;
  allowOther: boolean;
  open: OpenOptions;
  /** The launcher's pipe: one JSON line, `{"ok":true}` once the mount is usable, or the error. */
  readyFd?: number;
  /** Owner/permission overrides for every node (examiner access without root). */
  owner?: OwnerOverride;
  /** Raise the kernel's readahead for this mount (root only), default 1024 KiB. */
  readaheadKb?: number;
}

const WATCH_MS = 1000;

function log(line: string): void {
  process.stderr.write(`vmfskit: ${new Date().toISOString()} ${line}\n`);
}

/** Tell the launcher how it went, once; it may already be gone. */
export function reportReady(fd: number | undefined, message: Record<string, unknown>): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, JSON.stringify(message) + '\n');
    closeSync(fd);
  } catch {
    /* the launcher went away: nothing to tell */
  }
}

/** Serve until unmounted or signalled; resolves with the exit status. */
export async function serve(o: ServeOptions): Promise<number> {
  const mnt = path.resolve(o.mountpoint);
  loadFuse();
  await checkDevFuse();
  await prepareMountpoint(mnt, log);
  const source = await buildMountSource(o.addr, o.open, log);
  const ops = new TreeOps(source.tree, log, o.owner);
  let fuse: FuseHandle;
  try {
    fuse = await mountFuse(mnt, ops.ops(), { fsname: path.resolve(parseAddress(o.addr).host), allowOther: o.allowOther });
  } catch (e) {
    await source.close().catch(() => undefined);
    throw e;
  }
  // A statfs of the mount completes only once the kernel's INIT is answered; raising the readahead
  // before that can be undone by INIT. statfs, not stat: the kernel would keep the root's attributes
  // for attr_timeout, and a stat of a dead mount would then succeed instead of saying ENOTCONN.
  // Asynchronous: the answer comes from this process.
  await fsp.statfs(mnt).catch(() => undefined);
  const device = (await findMount(mnt))?.device;
  await raiseReadahead(mnt, o.readaheadKb ?? 1024);
  const hint = `vmfskit: ${o.addr} is mounted read-only on ${mnt}; unmount with: vmfskit umount ${mnt}`;
  if (o.readyFd === undefined) process.stderr.write(hint + '\n');
  else log(`mounted ${o.addr} on ${mnt} (pid ${process.pid}, FUSE binding: ${fuse.binding})`);
  reportReady(o.readyFd, { ok: true, mountpoint: mnt, pid: process.pid });
  return lifecycle(mnt, device, fuse, ops, source);
}

function lifecycle(mnt: string, device: string | undefined, fuse: FuseHandle, ops: TreeOps, source: MountSource): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const finish = async (code: number, unmount: boolean) => {
      if (stopping) {
        // Second signal: leave now; auto_unmount's watchdog removes the mount.
        resolve(code);
        return;
      }
      stopping = true;
      clearInterval(watch);
      if (unmount) {
        try {
          await fuse.unmount();
        } catch (e) {
          log(`unmount: ${(e as Error).message}; retrying`);
          await unmountPath(mnt, true).catch((err) => log((err as Error).message));
        }
      }
      await ops.closeAll();
      await source.close().catch((e) => log(`close: ${(e as Error).message}`));
      log(`unmounted ${mnt}`);
      resolve(code);
    };
    // `vmfskit umount` / `fusermount -u` end the session behind our back: notice, and exit. A mount
    // at the same path with another device number is a newer one, not ours.
    fuse.ended?.then(() => {
      if (!stopping) void finish(0, false);
    });
    const watch = setInterval(() => {
      findMount(mnt).then(
        (m) => {
          if (!m || m.fstype !== OUR_FSTYPE || (device !== undefined && m.device !== device)) void finish(0, false);
        },
        () => undefined,
      );
    }, WATCH_MS);
    process.on('SIGINT', () => void finish(130, true));
    process.on('SIGTERM', () => void finish(143, true));
    process.on('SIGHUP', () => void finish(129, true));
    process.on('uncaughtException', (e) => {
      log(`internal error: ${isVmfskitError(e) ? e.message : (e as Error)?.stack ?? String(e)}`);
      void finish(70, true);
    });
  });
}

/**
 * With libfuse2 the kernel sends at most 128 KiB per request and keeps ~2 in
 * flight for one sequential reader; a larger bdi readahead lets it keep up to
 * 12 in flight (measured ×3 on a slow source, fuse-native-notes §6). Root only.
 */
async function raiseReadahead(mnt: string, kb: number): Promise<void> {
  if (process.getuid?.() !== 0 || kb <= 0) return;
  try {
    const m = await findMount(mnt);
    if (m && /^\d+:\d+$/.test(m.device)) await fsp.writeFile(`/sys/class/bdi/${m.device}/read_ahead_kb`, `${kb}\n`);
  } catch (e) {
    log(`readahead not raised: ${(e as Error).message}`);
  }
}
