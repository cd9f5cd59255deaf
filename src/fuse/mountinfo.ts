/**
 * The kernel's mount table (/proc/self/mountinfo) — read, never the mount
 * itself: a stat of our own mount point from the serving process would be
 * answered by us, and a stale mount hangs or fails with ENOTCONN.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface MountEntry {
  /** "maj:min" of the mount: /sys/class/bdi/<maj:min> holds its readahead knob. */
  device: string;
  mountpoint: string;
  options: string;
  fstype: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 10 || dash < 6) continue;
    out.push({
      device: f[2]!,
      mountpoint: unescape(f[4]!),
      options: f[5]!,
      fstype: f[dash + 1]!,
      source: unescape(f[dash + 2] ?? ''),
    });
  }
  return out;
}

/** The mount at `mountpoint` (the last one, if mounts are stacked), or undefined. */
export async function findMount(mountpoint: string): Promise<MountEntry | undefined> {
  const want = path.resolve(mountpoint);
  const all = parseMountinfo(await fsp.readFile('/proc/self/mountinfo', 'utf8'));
  return all.filter((m) => m.mountpoint === want).pop();
}

export const OUR_FSTYPE = 'fuse.vmfskit';
