/**
 * `vmfskit timeline`: every file as a line of The Sleuth Kit's bodyfile
 * (`MD5|name|inode|mode|uid|gid|size|atime|mtime|ctime|crtime`, as `fls -m`
 * writes it; conventions.md §f), or as Timesketch rows (CSV or JSONL with
 * `datetime`, `timestamp_desc`, `message`, one row per timestamp). VMFS
 * volumes are walked through `walkTree` (src/vmfs/walk.ts), host folders
 * with lstat. VMFS keeps no birth time: crtime is 0. Log events from the
 * triage (`--events`) become lines of their own, with the event's time as
 * all four times (one "macb" row in mactime) and the event in the name.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { walkTree } from '../walk/walk.js';
import { modeString } from '../listing/format.js';
import type { VmfsStat } from '../vmfs/index.js';
import type { TriageSource } from './triage.js';

export interface TimelineFile {
  /** Full name as the timeline shows it: prefix + path. */
  name: string;
  inode: number;
  /** TSK mode string, e.g. "r/rrw-r--r--". */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  atime: number;
  mtime: number;
  ctime: number;
  crtime: number;
}

export interface TimelineEvent {
  /** Epoch seconds (whole: bodyfile times are integers). */
  time: number;
  iso: string;
  /** The log it came from, prefixed like the files. */
  file: string;
  kind: string;
  text: string;
  line: number;
}

/** TSK's type letters for the name and meta halves of the mode string. */
function tskType(type: string, mode: number): string {
  const t = (mode & 0o170000) === 0o040000 || type === 'dir' ? 'd' : (mode & 0o170000) === 0o120000 || type === 'symlink' ? 'l' : 'r';
  return t;
}

export function tskMode(type: string, mode: number): string {
  const t = tskType(type, mode);
  return `${t}/${t}${modeString(mode).slice(1)}`;
}

/** The bodyfile has no quoting: a "|" or a line break inside a name would shift every field after it. */
export function bodyName(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\|/g, '%7C').replace(/[\r\n\x00]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

export function bodyLine(f: TimelineFile): string {
  return `0|${bodyName(f.name)}|${f.inode}|${f.mode}|${f.uid}|${f.gid}|${f.size}|${f.atime}|${f.mtime}|${f.ctime}|${f.crtime}`;
}

export function eventBodyLine(e: TimelineEvent): string {
  // All four times are the event's: mactime lists a 0 time as a row of its own (0000-00-00), so an event is one "macb" row.
  return `0|${bodyName(`${e.file}:${e.line} [${e.kind}] ${e.text}`)}|0|-/----------|0|0|0|${e.time}|${e.time}|${e.time}|${e.time}`;
}

/** The default mount-point prefix of a source: `/vmfs/volumes/<label>` for a volume, nothing for a host folder. */
export function defaultPrefix(src: TriageSource): string {
  return src.volume ? `/vmfs/volumes/${src.volume.label || src.volume.uuid}` : '';
}

function fromVmfs(st: VmfsStat, prefix: string): TimelineFile {
  return { name: prefix + st.path, inode: st.fdAddress, mode: tskMode(st.type, st.mode), uid: st.uid, gid: st.gid, size: st.size, atime: st.atime, mtime: st.mtime, ctime: st.ctime, crtime: 0 };
}

/** Every file and folder below the source's root (the root itself excluded, as fls lists it), to `emit`. */
export async function timelineFiles(src: TriageSource, prefix: string, emit: (f: TimelineFile) => void | Promise<void>, problem: (file: string, p: string) => void): Promise<number> {
  let n = 0;
  if (src.volume) {
    const vol = src.volume;
    const start = await vol.stat(src.root);
    for await (const l of walkTree(vol, start, true)) {
      for (const e of l.entries) {
        await emit(fromVmfs(e, prefix));
        n++;
      }
    }
    return n;
  }
  const root = path.resolve(src.address);
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let names: string[];
    try {
      names = (await fsp.readdir(path.join(root, rel))).sort();
    } catch (e) {
      problem(path.join(root, rel), (e as Error).message);
      continue;
    }
    const dirs: string[] = [];
    for (const name of names) {
      const r = `${rel}/${name}`;
      let st;
      try {
        st = await fsp.lstat(path.join(root, r), { bigint: false });
      } catch (e) {
        problem(path.join(root, r), (e as Error).message);
        continue;
      }
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
      const s = (d: Date) => Math.floor(d.getTime() / 1000);
      await emit({ name: prefix + r, inode: st.ino, mode: tskMode(type, st.mode), uid: st.uid, gid: st.gid, size: st.size, atime: s(st.atime), mtime: s(st.mtime), ctime: s(st.ctime), crtime: st.birthtimeMs > 0 ? s(st.birthtime) : 0 });
      n++;
      if (type === 'dir') dirs.push(r);
    }
    for (let i = dirs.length - 1; i >= 0; i--) stack.push(dirs[i]!);
  }
  return n;
}

const DESC: Array<[keyof TimelineFile, string]> = [
  ['mtime', 'Modification Time'],
  ['atime', 'Last Access Time'],
  ['ctime', 'Metadata Modification Time'],
  ['crtime', 'Creation Time'],
];

export interface SketchRow {
  datetime: string;
  timestamp_desc: string;
  message: string;
  [k: string]: string | number;
}

/** Timesketch rows of one file: one per non-zero time. */
export function sketchRows(f: TimelineFile, source: string): SketchRow[] {
  const rows: SketchRow[] = [];
  for (const [k, desc] of DESC) {
    const t = f[k] as number;
    if (!t) continue;
    rows.push({ datetime: new Date(t * 1000).toISOString(), timestamp_desc: desc, message: `${f.name} (${f.mode}, ${f.size} bytes)`, filename: f.name, inode: f.inode, size: f.size, mode: f.mode, data_type: 'fs:stat', source });
  }
  return rows;
}

export function eventRow(e: TimelineEvent, source: string): SketchRow {
  return { datetime: e.iso, timestamp_desc: `Log: ${e.kind}`, message: `${e.text}`, filename: e.file, line: e.line, data_type: 'vmware:log', source };
}

const CSV_COLUMNS = ['datetime', 'timestamp_desc', 'message', 'filename', 'inode', 'size', 'mode', 'line', 'data_type', 'source'];
export const CSV_HEADER = CSV_COLUMNS.join(',');

export function csvLine(r: SketchRow): string {
  return CSV_COLUMNS.map((c) => {
    const v = r[c];
    if (v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}
