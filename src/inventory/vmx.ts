/**
 * VMware's `key = "value"` configuration files: the VM's `.vmx` (name and
 * disks) and `.vmsd` (snapshot tree). Facts used, from VMware KB 337269 and
 * published samples: snapshotN.uid/parent/displayName/description/filename,
 * createTimeHigh/Low (microseconds since 1970 split in two signed 32-bit
 * halves), numDisks, diskK.fileName/node; snapshot.current, numSnapshots.
 */
import { VmfskitError } from '../errors.js';

/** Keys lower-cased; values unquoted, with VMware's `|XX` hex escapes decoded. */
export type ConfigMap = Map<string, string>;

/** Bounds: a .vmsd/.vmx is a few KiB; more snapshots than this is not a real VM (ESXi allows 32 per chain). */
export const MAX_CONFIG_BYTES = 4 << 20;
const MAX_SNAPSHOTS = 4096;
const MAX_DISKS = 512;

export function parseConfig(text: string): ConfigMap {
  return parseConfigChecked(text).cfg;
}

/** Lines `parseConfig` could not take as written: broken quoting, binary bytes, no `=`. At most this many are kept. */
const MAX_PROBLEMS = 20;

/**
 * parseConfig, also saying what it could not read: a line without "=", a value whose
 * quotes do not close (the value is taken up to the line's end, without the opening
 * quote), a line with NUL or other control bytes (skipped: binary junk, not a setting).
 */
export function parseConfigChecked(text: string): { cfg: ConfigMap; problems: string[]; badLines: number } {
  const m: ConfigMap = new Map();
  const problems: string[] = [];
  let badLines = 0;
  const bad = (n: number, what: string) => {
    badLines++;
    if (problems.length < MAX_PROBLEMS) problems.push(`line ${n}: ${what}`);
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0e-\x1f\x7f\ufffd]/.test(line)) return bad(i + 1, 'binary bytes, skipped');
    const eq = line.indexOf('=');
    if (eq <= 0) return bad(i + 1, `no "key = value": ${JSON.stringify(line.slice(0, 60))}`);
    const key = line.slice(0, eq).trim().toLowerCase();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    else if (value.startsWith('"') || (value.endsWith('"') && value.length > 0)) {
      bad(i + 1, `unbalanced quotes in the value of ${key}`);
      value = value.replace(/^"|"$/g, '');
    }
    m.set(key, value.replace(/\|([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  });
  return { cfg: m, problems, badLines };
}

export interface VmxDisk {
  /** Controller node, e.g. "scsi0:0". */
  node: string;
  /** As written in the .vmx (relative to the VM folder, or absolute). */
  fileName: string;
}

export interface VmxInfo {
  displayName?: string;
  disks: VmxDisk[];
}

/** Virtual disks of a .vmx: present devices on scsi/sata/ide/nvme whose file is a .vmdk and that are not CD-ROMs. */
export function vmxInfo(cfg: ConfigMap): VmxInfo {
  const disks: VmxDisk[] = [];
  for (const [k, v] of cfg) {
    const m = /^((?:scsi|sata|ide|nvme)\d+:\d+)\.filename$/.exec(k);
    if (!m || !/\.vmdk$/i.test(v)) continue;
    const node = m[1]!;
    if ((cfg.get(`${node}.present`) ?? 'true').toLowerCase() === 'false') continue;
    if (/cdrom|atapi/i.test(cfg.get(`${node}.devicetype`) ?? '')) continue;
    disks.push({ node, fileName: v });
    if (disks.length > MAX_DISKS) break;
  }
  disks.sort((a, b) => a.node.localeCompare(b.node, 'en', { numeric: true }));
  return { displayName: cfg.get('displayname'), disks };
}

export interface VmsdSnapshot {
  uid: number;
  parent?: number;
  name: string;
  description?: string;
  /** UTC ISO-8601, when createTimeHigh/Low are present. */
  created?: string;
  /** The .vmsn (VM state) file. */
  stateFile?: string;
  disks: VmxDisk[];
}

export interface VmsdInfo {
  current?: number;
  snapshots: VmsdSnapshot[];
  /** Things an examiner should know: consolidation pending, count mismatch. */
  warnings: string[];
}

/** Microseconds since the epoch from the two signed 32-bit halves VMware writes. */
export function vmsdCreateTime(high: string | undefined, low: string | undefined): string | undefined {
  if (high === undefined || low === undefined || !/^-?\d+$/.test(high) || !/^-?\d+$/.test(low)) return undefined;
  const us = (BigInt.asUintN(32, BigInt(high)) << 32n) | BigInt.asUintN(32, BigInt(low));
  const ms = Number(us / 1000n);
  if (!Number.isFinite(ms) || ms > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

function int(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function vmsdInfo(cfg: ConfigMap, file: string): VmsdInfo {
  const snaps: VmsdSnapshot[] = [];
  const indexes = new Set<number>();
  for (const k of cfg.keys()) {
    const m = /^snapshot(\d+)\.uid$/.exec(k);
    if (m) indexes.add(Number(m[1]));
  }
  if (indexes.size > MAX_SNAPSHOTS) throw new VmfskitError('CORRUPT', `${indexes.size} snapshots listed, more than the ${MAX_SNAPSHOTS} this tool accepts`, { file });
  for (const i of [...indexes].sort((a, b) => a - b)) {
    const p = `snapshot${i}.`;
    const uid = int(cfg.get(p + 'uid'));
    if (uid === undefined) continue;
    const disks: VmxDisk[] = [];
    const n = Math.min(int(cfg.get(p + 'numdisks')) ?? 0, MAX_DISKS);
    for (let d = 0; d < n; d++) {
      const fileName = cfg.get(`${p}disk${d}.filename`);
      if (fileName) disks.push({ node: cfg.get(`${p}disk${d}.node`) ?? `disk${d}`, fileName });
    }
    snaps.push({
      uid,
      parent: int(cfg.get(p + 'parent')),
      name: cfg.get(p + 'displayname') ?? `snapshot ${uid}`,
      description: cfg.get(p + 'description') || undefined,
      created: vmsdCreateTime(cfg.get(p + 'createtimehigh'), cfg.get(p + 'createtimelow')),
      stateFile: cfg.get(p + 'filename') || undefined,
      disks,
    });
  }
  const warnings: string[] = [];
  if ((cfg.get('snapshot.needconsolidate') ?? '').toLowerCase() === 'true') warnings.push('snapshot.needConsolidate is TRUE: the disks need consolidation (deltas may exist that the snapshot tree does not list)');
  const declared = int(cfg.get('snapshot.numsnapshots'));
  if (declared !== undefined && declared !== snaps.length) warnings.push(`snapshot.numSnapshots says ${declared}, ${snaps.length} snapshot entries found`);
  return { current: int(cfg.get('snapshot.current')), snapshots: snaps, warnings };
}
