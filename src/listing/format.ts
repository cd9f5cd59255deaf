/** How `ls`, `stat` and `info` show VMFS things: mode strings, long lines, JSON. */
import type { VmfsStat } from '../vmfs/index.js';

const TYPE_CHAR: Record<number, string> = { 0o040000: 'd', 0o120000: 'l', 0o100000: '-' };

/** "drwxr-xr-t" from POSIX mode bits (type bits included). */
export function modeString(mode: number): string {
  // A folder's entries share a handful of modes: each string is built once.
  let m = modeStrings.get(mode);
  if (m === undefined) modeStrings.set(mode, (m = buildModeString(mode)));
  return m;
}

const modeStrings = new Map<number, string>();

function buildModeString(mode: number): string {
  const t = TYPE_CHAR[mode & 0o170000] ?? '?';
  const rwx = (bits: number, special: boolean, sChar: string) =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (special ? (bits & 1 ? sChar : sChar.toUpperCase()) : bits & 1 ? 'x' : '-');
  return t + rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') + rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') + rwx(mode & 7, (mode & 0o1000) !== 0, 't');
}

/** UTC ISO-8601 to the second: "2021-08-11T07:38:51Z". */
let lastEpoch = NaN;
let lastIso = '';
export function isoUtc(epochSeconds: number): string {
  // Files of a folder mostly share their times (a VM's files, a copied tree): remember the last one.
  if (epochSeconds === lastEpoch) return lastIso;
  lastEpoch = epochSeconds;
  // On-disk times are u32 seconds: whole seconds, years 1970-2106. A Date per entry cost ~2 us of a
  // listing's ~10 us per entry; anything else still goes through toISOString (and fails as it does).
  if (Number.isSafeInteger(epochSeconds) && epochSeconds >= 0 && epochSeconds < MAX_4_DIGIT_YEAR) lastIso = civilUtc(epochSeconds);
  // toISOString always ends in ".sssZ"; whole seconds make it ".000Z".
  else lastIso = new Date(epochSeconds * 1000).toISOString().slice(0, -5) + 'Z';
  return lastIso;
}

/** 10000-01-01T00:00:00Z: toISOString writes larger years with a sign and six digits. */
const MAX_4_DIGIT_YEAR = 253402300800;

/** "YYYY-MM-DDThh:mm:ssZ" of whole non-negative epoch seconds (H. Hinnant's civil_from_days). */
function civilUtc(t: number): string {
  const days = Math.floor(t / 86400);
  const sec = t - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return `${year}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(sec % 60)}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** ESXi ids are not host ids: only 0 is shown by name, as debugvmfs does for root. */
function owner(id: number): string {
  return id === 0 ? 'root' : String(id);
}

/** One `ls -l` line: the columns of `debugvmfs ls -l` plus allocated bytes, time in UTC ISO. */
export function longLine(st: VmfsStat, name = st.name): string {
  const link = st.symlinkTarget !== undefined ? ` -> ${st.symlinkTarget}` : '';
  return `${modeString(st.mode)} ${String(st.nlink).padStart(2)} ${owner(st.uid).padStart(8)} ${owner(st.gid).padStart(8)} ${String(st.size).padStart(12)} ${String(st.allocated).padStart(12)} ${isoUtc(st.mtime)} ${name}${link}`;
}

/** JSON shape of one entry: integers for bytes and epoch times, plus UTC strings. */
export function statJson(st: VmfsStat): Record<string, unknown> {
  return {
    name: st.name,
    path: st.path,
    type: st.type,
    mode: st.mode,
    'mode-string': modeString(st.mode),
    nlink: st.nlink,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    'allocated-size': st.allocated,
    mtime: st.mtime,
    atime: st.atime,
    ctime: st.ctime,
    'mtime-utc': isoUtc(st.mtime),
    'atime-utc': isoUtc(st.atime),
    'ctime-utc': isoUtc(st.ctime),
    'fd-address': st.fdAddress,
    ...(st.symlinkTarget !== undefined ? { 'symlink-target': st.symlinkTarget } : {}),
    ...(st.details ? { details: kebabKeys(st.details) } : {}),
  };
}

/** JSON keys as qemu-img writes them: "tbz-blocks", not "tbzBlocks". */
function kebabKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v]));
}

/** `stat` in human form. */
export function statText(st: VmfsStat): string {
  const d = (st.details ?? {}) as Record<string, number | string | undefined>;
  const hex = (n: number | string | undefined) => (typeof n === 'number' ? `0x${n.toString(16).padStart(8, '0')}` : '?');
  const lines = [
    `  File: ${st.path}${st.symlinkTarget !== undefined ? ` -> ${st.symlinkTarget}` : ''}`,
    `  Type: ${st.type} (FD type ${d.fdType})   Mode: ${(st.mode & 0o7777).toString(8).padStart(4, '0')} (${modeString(st.mode)})   Links: ${st.nlink}   Uid: ${st.uid}   Gid: ${st.gid}`,
    `  Size: ${st.size}   Allocated: ${st.allocated}   Block size: ${d.blockSize}   Block count: ${d.blockCount}`,
    `  FD address: ${hex(st.fdAddress)}   generation ${d.generation}   volume offset ${d.fdVolumeOffset}   host offset ${d.fdHostOffset}`,
    `  Addressing: ZLA ${d.zla} (${d.addressing})   pointer blocks ${d.pointerBlocks}`,
    `  To-be-zeroed blocks: ${d.tbzBlocks} (FD count)${d.tbzBlocksMapped !== undefined ? `, ${d.tbzBlocksMapped} in the block map` : ''}   COW blocks: ${d.cowBlocks}`,
  ];
  if (d.dataBlocks !== undefined) lines.push(`  Block map: ${d.dataBlocks} data, ${d.subBlocks} sub-blocks, ${d.holeBlocks} holes (thin), ${d.tbzBlocksMapped} to-be-zeroed`);
  if (st.type === 'rdm') lines.push(`  RDM: LUN ${d.rdmLun} ${d.rdmVendor} ${d.rdmModel} ${d.rdmId}`);
  lines.push(`Access: ${isoUtc(st.atime)}`, `Modify: ${isoUtc(st.mtime)}`, `Change: ${isoUtc(st.ctime)}`);
  return lines.join('\n') + '\n';
}
