/** `vmfskit umount MNT`: only our own mounts; a dead one is cleaned, a busy one is reported. */
import path from 'node:path';
import { VmfskitError } from '../errors.js';
import { findMount, OUR_FSTYPE } from './mountinfo.js';
import { unmountPath } from './unmount.js';

export async function unmountMountpoint(mountpoint: string, lazy: boolean): Promise<void> {
  const mnt = path.resolve(mountpoint);
  const entry = await findMount(mnt);
  if (!entry) throw new VmfskitError('NOT_FOUND', 'not a mount point', { file: mnt });
  if (entry.fstype !== OUR_FSTYPE) {
    throw new VmfskitError('USAGE', `not a vmfskit mount (type ${entry.fstype}); use fusermount -u or umount`, { file: mnt });
  }
  await unmountPath(mnt, lazy);
}
