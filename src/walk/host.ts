/**
 * A host folder as a walk source: names as raw bytes (a Linux name need not
 * be UTF-8), symlinks not followed (lstat), identity dev:inode.
 */
import fs, { promises as fsp } from 'node:fs';
import { fromOsError } from '../errors.js';
import type { VmfsFileType } from '../vmfs/index.js';
import type { WalkSource, WalkStat } from './walk.js';

function typeOf(st: fs.Stats): VmfsFileType {
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
}

/** The stat of a host path (raw bytes), as the walker and hash -r read it. */
export async function hostStat(raw: Buffer): Promise<WalkStat> {
  let st: fs.Stats;
  try {
    st = await fsp.lstat(raw);
  } catch (e) {
    throw fromOsError(e, raw.toString());
  }
  const text = raw.toString();
  const type = typeOf(st);
  const out: WalkStat = {
    name: text.slice(text.lastIndexOf('/') + 1),
    path: text,
    raw,
    type,
    mode: st.mode,
    nlink: st.nlink,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    allocated: st.blocks * 512,
    mtime: Math.floor(st.mtimeMs / 1000),
    atime: Math.floor(st.atimeMs / 1000),
    ctime: Math.floor(st.ctimeMs / 1000),
    fdAddress: st.ino,
    key: `${st.dev}:${st.ino}`,
  };
  if (type === 'symlink') {
    try {
      out.symlinkTarget = (await fsp.readlink(raw)).toString();
    } catch {
      /* listed without a target */
    }
  }
  return out;
}

export function hostSource(): WalkSource {
  return {
    address: '',
    readdir: async (dir) => {
      let names: Buffer[];
      try {
        names = await fsp.readdir(dir.raw!, { encoding: 'buffer' });
      } catch (e) {
        throw fromOsError(e, dir.path, 'cannot list');
      }
      const base = dir.raw![dir.raw!.length - 1] === 0x2f ? dir.raw! : Buffer.concat([dir.raw!, Buffer.from('/')]);
      const out: WalkStat[] = [];
      for (const n of names) out.push(await hostStat(Buffer.concat([base, n])));
      return out;
    },
  };
}
