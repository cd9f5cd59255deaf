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
  const m: ConfigMap = new Map();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    m.set(key, value.replace(/\|([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }
  return m;
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
