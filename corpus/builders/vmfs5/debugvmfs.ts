/**
 * The independent oracle: vmfs-tools' debugvmfs. Runs `ls -l` and `cat` on
 * built images and parses what it prints. Times are read with TZ=UTC (it
 * prints local time); user and group names are mapped back to ids through
 * this machine's /etc/passwd and /etc/group, as debugvmfs resolved them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

export interface LsLine {
  modeString: string;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  name: string;
}

const ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
/** A file that streams more than this is not hashed whole (the 257 GiB thin file, should a reader ever manage). */
const CAT_LIMIT = 1 << 30;

function nameMap(file: string): Map<string, number> {
  const m = new Map<string, number>();
  if (!existsSync(file)) return m;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id && /^\d+$/.test(id) && !m.has(name)) m.set(name, Number(id));
  }
  return m;
}
const USERS = nameMap('/etc/passwd');
const GROUPS = nameMap('/etc/group');

function idOf(text: string, names: Map<string, number>): number {
  if (/^\d+$/.test(text)) return Number(text);
  const id = names.get(text);
  if (id === undefined) throw new Error(`debugvmfs printed unknown owner "${text}"`);
  return id;
}

export function debugvmfsVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'vmfs-tools'], { encoding: 'utf8' });
  return r.status === 0 ? `vmfs-tools ${r.stdout.trim()}` : 'vmfs-tools (version unknown)';
}

/** What debugvmfs says on stderr when it finds the VMFS partition through the MBR: not an error. */
const PARTITION_FALLBACK = /^(VMFS VolInfo: invalid magic number|VMFS: Unable to read volume information|Trying to find partitions)/;

const LS_LINE = /^(\S{10}) +(\d+) +(\S+) +(\S+) +(\d+) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$/;

/** vmfs6-tools' debugvmfs6 prints this line first on stdout, also before `cat` output. */
export const DEBUGVMFS6_BANNER = 'VMFS version: 6\n';

/** `debugvmfs IMAGES… ls -l DIR` (or debugvmfs6, banner dropped), without "." and "..". */
export function lsLong(images: string[], dir: string, tool: 'debugvmfs' | 'debugvmfs6' = 'debugvmfs'): LsLine[] {
  const r = spawnSync(tool, [...images, 'ls', '-l', dir], { env: ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (tool === 'debugvmfs6' && r.stdout.startsWith(DEBUGVMFS6_BANNER)) r.stdout = r.stdout.slice(DEBUGVMFS6_BANNER.length);
  if (r.status !== 0 && !r.stdout) throw new Error(`debugvmfs ls -l ${dir}: exit ${r.status}: ${r.stderr.trim()}`);
  const out: LsLine[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const m = LS_LINE.exec(line);
    if (!m) throw new Error(`debugvmfs ls -l ${dir}: unparsed line ${JSON.stringify(line)}`);
    if (m[7] === '.' || m[7] === '..') continue;
    out.push({
      modeString: m[1]!, nlink: Number(m[2]), uid: idOf(m[3]!, USERS), gid: idOf(m[4]!, GROUPS), size: Number(m[5]),
      mtime: Date.parse(`${m[6]!.replace(' ', 'T')}Z`) / 1000, name: m[7]!,
    });
  }
  return out;
}

export interface CatResult {
  /** sha256 of stdout, or null when debugvmfs failed or streamed more than the limit. */
  sha256: string | null;
  bytes: number;
  /** First line of stderr when it failed ("VMFS: unknown block type 0x03" …). */
  error?: string;
}

/** `debugvmfs IMAGES… cat PATH` (or debugvmfs6, its banner line dropped), hashed as it streams. */
export function cat(images: string[], file: string, tool: 'debugvmfs' | 'debugvmfs6' = 'debugvmfs', limit = CAT_LIMIT): Promise<CatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...images, 'cat', file], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const h = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    let killed = false;
    let banner = tool === 'debugvmfs6' ? Buffer.from(DEBUGVMFS6_BANNER) : Buffer.alloc(0);
    child.stdout.on('data', (d: Buffer) => {
      if (banner.length) {
        const n = Math.min(banner.length, d.length);
        if (!d.subarray(0, n).equals(banner.subarray(0, n))) banner = Buffer.alloc(0);
        else {
          banner = banner.subarray(n);
          d = d.subarray(n);
        }
      }
      bytes += d.length;
      if (bytes > limit && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
      h.update(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // debugvmfs exits 0 even when a read fails: a message on stderr is the failure.
      const error = stderr.split('\n').filter((l) => l.trim() && !PARTITION_FALLBACK.test(l))[0];
      if (killed) resolve({ sha256: null, bytes, error: `stopped after ${limit} bytes` });
      else if (code !== 0 || error) resolve({ sha256: null, bytes, error: error || `exit ${code}` });
      else resolve({ sha256: h.digest('hex'), bytes });
    });
  });
}

/**
 * `cat` of many small files through one `debugvmfs … shell` (one process
 * instead of thousands): the output is the files back to back, split by the
 * sizes `ls -l` reported. Returns null when the total length is off (then
 * the caller falls back to one `cat` per file).
 */
export function catMany(images: string[], files: Array<{ path: string; size: number }>): Array<string> | null {
  const script = files.map((f) => `cat ${f.path}\n`).join('');
  if (files.some((f) => /\s/.test(f.path))) return null;
  const r = spawnSync('debugvmfs', [...images, 'shell'], { env: ENV, input: script, maxBuffer: 256 << 20 });
  const total = files.reduce((s, f) => s + f.size, 0);
  if (r.status !== 0 || r.stdout.length !== total) return null;
  let pos = 0;
  return files.map((f) => {
    const sha = createHash('sha256').update(r.stdout.subarray(pos, pos + f.size)).digest('hex');
    pos += f.size;
    return sha;
  });
}

/** `sgdisk -v`: the GPT's own checks (CRCs, overlaps, backup). */
export function sgdiskVerify(image: string): string {
  const r = spawnSync('sgdisk', ['-v', image], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  return r.status === 0 && /No problems found/.test(text) ? 'No problems found' : `sgdisk -v exit ${r.status}: ${text.trim().split('\n').slice(-2).join(' / ')}`;
}

/** `sgdisk -i 1`: type GUID and first sector of partition 1, as "TYPE@FIRST". */
export function sgdiskPartition(image: string): string {
  const r = spawnSync('sgdisk', ['-i', '1', image], { encoding: 'utf8' });
  const type = /Partition GUID code: (\S+)/.exec(r.stdout)?.[1];
  const first = /First sector: (\d+)/.exec(r.stdout)?.[1];
  return `${type ?? '?'}@${first ?? '?'}`;
}

/** Label and UUID as `debugvmfs IMAGES… show` prints them. */
export function show(images: string[]): { label: string; uuid: string; blockSize: string } {
  const r = spawnSync('debugvmfs', [...images, 'show'], { env: ENV, encoding: 'utf8' });
  const field = (name: string): string => new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(r.stdout)?.[1]?.trim() ?? `? (exit ${r.status}: ${r.stderr.trim().split('\n')[0]})`;
  return { label: field('Label'), uuid: field('UUID'), blockSize: field('Block size') };
}
