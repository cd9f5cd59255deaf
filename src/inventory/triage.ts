/**
 * `vmfskit triage`: every VM on the evidence, with the red flags a live
 * examiner would ask vSphere about — extra NICs, direct hardware access,
 * memory images, snapshots — the VMs' and the host's logs, and the commands
 * typed into the ESXi Shell. Works on the FolderAccess of a host folder or
 * of each VMFS volume of a LUN image (VmfsVolume interface only, so any VMFS
 * version the reader opens), reusing the snapshot inventory for disks,
 * chains and snapshot states. Anything it cannot read becomes a line in
 * `problems`; the triage goes on.
 */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { FolderAccess } from './index.js';
import { FolderCache } from './chain.js';
import { HostFolderAccess, VmfsFolderAccess } from './folders.js';
import { inventoryFolder, type SnapshotNode, type VmInventory } from './inventory.js';
import { vmJson } from './report.js';
import { MAX_CONFIG_BYTES, parseConfigChecked, type ConfigMap } from './vmx.js';
import { vmIdentity, vmNics, vmPassthrough, type Nic, type Passthrough, type VmIdentity } from './hardware.js';
import { rulesFor, summarizeLog, type LogEvent, type LogSummary } from './logs.js';
import { parseVmInventory, type InventoryEntry } from './vm-inventory-xml.js';
import { openRdmExtent } from '../vmdk/rdm.js';
import { FileDevice } from '../device/file-device.js';
import { openVolume, parseAddress, type OpenOptions } from '../open.js';
import { scanLun } from '../partition/index.js';
import type { VmfsVolume } from '../vmfs/index.js';
import { VmfskitError, fromOsError, isVmfskitError } from '../errors.js';

/** One folder tree the triage reads: a host folder, or (part of) a VMFS volume. */
export interface TriageSource {
  address: string;
  kind: 'vmfs' | 'host-folder';
  fa: FolderAccess;
  root: string;
  volume?: VmfsVolume;
  close(): Promise<void>;
}

export interface FileEntry {
  path: string;
  name: string;
  size: number;
}

export interface MemoryFile {
  file: string;
  type: 'vmem' | 'vmsn' | 'vmss' | 'vswp';
  size: number;
  /** What state it is of: a snapshot (by name and uid), the suspend state, the running VM's swap. */
  belongsTo: { kind: 'snapshot' | 'suspend' | 'swap' | 'unknown'; name?: string; uid?: number };
}

export interface MemoryPair {
  /** Shared base name, e.g. "web01-Snapshot1". */
  base: string;
  vmem?: string;
  state?: string;
  /** Both halves Volatility needs are here (.vmem and .vmsn/.vmss of the same base name). */
  complete: boolean;
  note?: string;
}

export interface LogReport extends Omit<LogSummary, 'events'> {
  file: string;
  /** Path inside its source, and the source's address (report.sources[].address). */
  path: string;
  source: string;
  log: string;
  size: number;
  events: LogEvent[];
}

export interface Finding {
  severity: 'high' | 'medium' | 'info';
  kind: string;
  vm?: string;
  vmx?: string;
  key?: string;
  message: string;
}

export interface VmTriage {
  name: string;
  vmx: string;
  folder: string;
  source: string;
  identity: VmIdentity;
  /** true/false: listed or not by a vmInventory.xml found on the evidence; null: no inventory to tell. */
  registered: boolean | null;
  inventoryFile?: string;
  nics: Nic[];
  passthrough: Passthrough[];
  disks: unknown[];
  snapshots: unknown[];
  memory: MemoryFile[];
  memoryPairs: MemoryPair[];
  logs: LogReport[];
  problems: string[];
  /** Kept for the text view and --extract-memory (not in the JSON). */
  internal: { fa: FolderAccess; dir: string; vmxPath: string; snapshots: SnapshotNode[]; inventory?: VmInventory };
}

export interface TriageReport {
  sources: Array<{ address: string; kind: string; label?: string; uuid?: string; root: string }>;
  vms: VmTriage[];
  hostLogs: LogReport[];
  shellCommands: Array<{ time?: string; user?: string; command: string; file: string; line: number }>;
  inventories: Array<{ file: string; entries: number; problems: string[] }>;
  findings: Finding[];
  problems: Array<{ file: string; problem: string }>;
}

const MAX_FILES = 2_000_000;
const MAX_DEPTH = 128;

function message(e: unknown): string {
  return isVmfskitError(e) || e instanceof Error ? e.message : String(e);
}

/** Every VMFS volume of a LUN image (one per VMFS partition; a bare volume is one). */
async function volumesOf(host: string, opts: OpenOptions, problems: TriageReport['problems']): Promise<VmfsVolume[]> {
  const dev = await FileDevice.open(host);
  let parts: Array<number | undefined>;
  try {
    const layout = await scanLun(dev);
    parts = layout.vmfs.map((v) => v.entry?.index);
  } finally {
    await dev.close();
  }
  if (!parts.length) throw new VmfskitError('USAGE', 'not a folder, a .vmx file or a LUN image with a VMFS volume (a path inside a volume is written lun.img::/folder)', { file: host });
  if (opts.partition !== undefined) parts = [opts.partition];
  const out: VmfsVolume[] = [];
  for (const p of parts) {
    try {
      out.push(await openVolume(host, { ...opts, partition: p }));
    } catch (e) {
      if (parts.length === 1) throw e;
      problems.push({ file: host, problem: `VMFS partition ${p ?? '(bare)'}: ${message(e)}` });
    }
  }
  return out;
}

/** The folder trees an address names: a host folder, a .vmx's folder, every VMFS volume of a LUN image, or `lun.img::/folder`. */
export async function openSources(addr: string, opts: OpenOptions, problems: TriageReport['problems']): Promise<TriageSource[]> {
  const a = parseAddress(addr);
  const vmfs = (volume: VmfsVolume, root: string): TriageSource => ({ address: `${volume.address}${root === '/' ? '' : root}`, kind: 'vmfs', fa: new VmfsFolderAccess(volume), root, volume, close: () => volume.close() });
  if (a.inner !== undefined) {
    const volume = await openVolume(a.host, opts);
    const root = /\.vmx$/i.test(a.inner) ? path.posix.dirname(a.inner) : a.inner;
    return [vmfs(volume, root)];
  }
  const st = await fsp.stat(a.host).catch((e: unknown) => {
    throw fromOsError(e, a.host);
  });
  const host = (dir: string): TriageSource => ({ address: dir, kind: 'host-folder', fa: new HostFolderAccess(dir), root: '/', close: async () => {} });
  if (st.isDirectory()) return [host(a.host)];
  if (/\.vmx$/i.test(a.host)) return [host(path.dirname(a.host))];
  const vols = await volumesOf(a.host, opts, problems).catch((e: unknown) => {
    if (isVmfskitError(e) && e.code === 'BAD_MAGIC') {
      throw new VmfskitError('USAGE', 'not a folder, a .vmx file or a LUN image with a VMFS volume (a path inside a volume is written lun.img::/folder)', { file: a.host });
    }
    throw e;
  });
  return vols.map((v) => vmfs(v, '/'));
}

/** Every file below `root` (breadth first, dot folders included: .locker holds the host's logs). */
export async function listTree(fa: FolderAccess, root: string, problems: TriageReport['problems']): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  let level = [root];
  for (let depth = 0; level.length && depth <= MAX_DEPTH; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let ents;
      try {
        ents = await fa.list(dir);
      } catch (e) {
        problems.push({ file: fa.display(dir), problem: `cannot list: ${message(e)}` });
        continue;
      }
      for (const e of ents.sort((x, y) => (x.name < y.name ? -1 : 1))) {
        const p = path.posix.join(dir, e.name);
        if (e.type === 'dir') next.push(p);
        else if (e.type === 'file') files.push({ path: p, name: e.name, size: e.size });
        if (files.length >= MAX_FILES) {
          problems.push({ file: fa.display(root), problem: `more than ${MAX_FILES} files: the rest were not looked at` });
          return files;
        }
      }
    }
    level = next;
  }
  if (level.length) problems.push({ file: fa.display(root), problem: `folders nested deeper than ${MAX_DEPTH} levels were not looked at` });
  return files;
}

async function readLog(src: TriageSource, f: FileEntry, log: string, rules: Parameters<typeof summarizeLog>[1]): Promise<LogReport> {
  const fa = src.fa;
  const base: Omit<LogReport, keyof LogSummary> = { file: fa.display(f.path), path: f.path, source: src.address, log, size: f.size };
  try {
    const dev = await fa.resolver(path.posix.dirname(f.path)).open(f.name);
    try {
      return { ...base, ...(await summarizeLog(dev, rules)) };
    } finally {
      await dev.close();
    }
  } catch (e) {
    return { ...base, lines: 0, badTimes: 0, longLines: 0, events: [], eventsDropped: 0, problem: `cannot read: ${message(e)}` };
  }
}

function flatten(nodes: SnapshotNode[]): SnapshotNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

const MEMORY = /\.(vmem|vmsn|vmss|vswp)$/i;
const baseOf = (name: string) => name.replace(MEMORY, '');

/** Memory files of a VM folder: which state each belongs to, and which .vmem/.vmsn|.vmss pairs are whole. */
export function memoryOf(files: FileEntry[], dir: string, cfg: ConfigMap, snaps: SnapshotNode[], display: (p: string) => string): { memory: MemoryFile[]; pairs: MemoryPair[] } {
  const here = files.filter((f) => path.posix.dirname(f.path) === dir && MEMORY.test(f.name));
  const all = flatten(snaps);
  const suspend = cfg.get('checkpoint.vmstate');
  const suspendBase = suspend ? baseOf(path.posix.basename(suspend.replace(/\\/g, '/'))) : undefined;
  const memory = here.map((f): MemoryFile => {
    const type = f.name.slice(f.name.lastIndexOf('.') + 1).toLowerCase() as MemoryFile['type'];
    const snap = all.find((s) => s.stateFile && baseOf(path.posix.basename(s.stateFile)) === baseOf(f.name));
    let belongsTo: MemoryFile['belongsTo'] = { kind: 'unknown' };
    if (type === 'vswp') belongsTo = { kind: 'swap' };
    else if (snap) belongsTo = { kind: 'snapshot', name: snap.name, uid: snap.uid };
    else if (suspendBase && baseOf(f.name) === suspendBase) belongsTo = { kind: 'suspend' };
    return { file: display(f.path), type, size: f.size, belongsTo };
  });
  const bases = new Map<string, { vmem?: FileEntry; state?: FileEntry }>();
  for (const f of here) {
    const t = f.name.slice(f.name.lastIndexOf('.') + 1).toLowerCase();
    if (t === 'vswp') continue;
    const b = bases.get(baseOf(f.name)) ?? {};
    if (t === 'vmem') b.vmem = f;
    else b.state = f;
    bases.set(baseOf(f.name), b);
  }
  const pairs = [...bases].map(([base, b]): MemoryPair => {
    const p: MemoryPair = { base, vmem: b.vmem && display(b.vmem.path), state: b.state && display(b.state.path), complete: !!(b.vmem && b.state) };
    if (b.vmem && !b.state) p.note = `${b.vmem.name} has no .vmsn/.vmss of the same name: Volatility cannot read it without one`;
    else if (!b.vmem && b.state) p.note = `no ${base}.vmem: a snapshot taken without memory, or its memory file was removed`;
    return p;
  });
  return { memory, pairs };
}

/** Does an inventory path (/vmfs/volumes/<uuid|label>/dir/x.vmx) name this .vmx? */
function sameVmx(entry: string, src: TriageSource, vmxPath: string): boolean {
  const m = /^\/vmfs\/volumes\/([^/]+)(\/.*)$/.exec(entry.replace(/\\/g, '/'));
  if (m && src.volume && (m[1] === src.volume.uuid || m[1] === src.volume.label)) return m[2] === vmxPath;
  // A host copy of VM folders: same folder and file name.
  const tail = (p: string) => p.replace(/\\/g, '/').split('/').filter(Boolean).slice(-2).join('/');
  return tail(entry) === tail(vmxPath);
}

function addFindings(vm: VmTriage, out: Finding[]): void {
  const at = { vm: vm.name, vmx: vm.vmx };
  const nics = vm.nics.filter((n) => n.present);
  if (nics.length > 1) out.push({ ...at, severity: 'medium', kind: 'multiple-nics', message: `${nics.length} network cards: ${nics.map((n) => `${n.key} on ${JSON.stringify(n.networkName ?? '?')}`).join(', ')}` });
  const nets = new Set(nics.map((n) => n.networkName ?? ''));
  if (nets.size > 1) out.push({ ...at, severity: 'high', kind: 'nics-on-different-networks', message: `NICs on ${nets.size} different networks: ${[...nets].map((n) => JSON.stringify(n)).join(', ')}` });
  for (const n of nics) if (n.addressType?.toLowerCase() === 'static') out.push({ ...at, severity: 'info', kind: 'static-mac', key: `${n.key}.address`, message: `${n.key} has a static (typed-in) MAC ${n.mac ?? '?'}` });
  for (const p of vm.passthrough) out.push({ ...at, severity: 'high', kind: `passthrough-${p.kind}`, key: p.key, message: `${p.key}: ${p.target}` });
  for (const p of vm.memoryPairs) {
    if (p.complete) out.push({ ...at, severity: 'medium', kind: 'memory-image', message: `memory image ${p.vmem} with ${p.state} (a complete pair for Volatility)` });
    else if (p.vmem) out.push({ ...at, severity: 'medium', kind: 'memory-incomplete', message: p.note ?? `${p.base}: incomplete pair` });
  }
  for (const m of vm.memory) if (m.type === 'vswp') out.push({ ...at, severity: 'info', kind: 'swap-file', message: `${m.file} (${m.size} bytes): the VM was powered on when the datastore was copied` });
  const snaps = flatten(vm.internal.snapshots);
  if (snaps.length) out.push({ ...at, severity: 'info', kind: 'snapshots', message: `${snaps.length} snapshot(s): ${snaps.map((s) => JSON.stringify(s.name)).join(', ')}` });
  if (vm.registered === false) out.push({ ...at, severity: 'medium', kind: 'unregistered-vm', message: `no vmInventory.xml on the evidence lists ${vm.vmx}` });
}

export interface TriageOptions extends OpenOptions {
  /** Host paths of vmInventory.xml files copied from the host (besides those found in the trees). */
  inventory?: string[];
}

/** Runs the triage over the given addresses. The sources stay open until `close()` (for --extract-memory). */
export async function triage(addrs: string[], opts: TriageOptions = {}): Promise<{ report: TriageReport; close(): Promise<void> }> {
  const problems: TriageReport['problems'] = [];
  const sources: TriageSource[] = [];
  const close = async () => {
    for (const s of sources) await s.close();
  };
  try {
    for (const a of addrs) sources.push(...(await openSources(a, opts, problems)));
    const report: TriageReport = { sources: [], vms: [], hostLogs: [], shellCommands: [], inventories: [], findings: [], problems };
    const inventoryEntries: Array<{ file: string; entries: InventoryEntry[] }> = [];
    const readInventory = (file: string, text: string) => {
      const inv = parseVmInventory(text);
      report.inventories.push({ file, entries: inv.entries.length, problems: inv.problems });
      for (const p of inv.problems) problems.push({ file, problem: p });
      inventoryEntries.push({ file, entries: inv.entries });
    };
    for (const f of opts.inventory ?? []) {
      try {
        readInventory(f, await fsp.readFile(f, 'utf8'));
      } catch (e) {
        problems.push({ file: f, problem: `cannot read: ${message(e)}` });
      }
    }
    const perSource: Array<{ src: TriageSource; files: FileEntry[]; cache: FolderCache }> = [];
    for (const src of sources) {
      report.sources.push({ address: src.address, kind: src.kind, label: src.volume?.label, uuid: src.volume?.uuid, root: src.root });
      const files = await listTree(src.fa, src.root, problems);
      perSource.push({ src, files, cache: new FolderCache(src.fa) });
      for (const f of files.filter((x) => x.name.toLowerCase() === 'vminventory.xml')) {
        try {
          readInventory(src.fa.display(f.path), await src.fa.readText(f.path, MAX_CONFIG_BYTES));
        } catch (e) {
          problems.push({ file: src.fa.display(f.path), problem: `cannot read: ${message(e)}` });
        }
      }
    }
    const claimed = new Set<InventoryEntry>();
    for (const { src, files, cache } of perSource) {
      const byDir = new Map<string, FileEntry[]>();
      for (const f of files) {
        const d = path.posix.dirname(f.path);
        const list = byDir.get(d);
        if (list) list.push(f);
        else byDir.set(d, [f]);
      }
      const vmDirs = new Set<string>();
      for (const vmxFile of files.filter((f) => /\.vmx$/i.test(f.name))) {
        const dir = path.posix.dirname(vmxFile.path);
        vmDirs.add(dir);
        report.vms.push(await triageVm(src, cache, byDir.get(dir) ?? [], vmxFile, inventoryEntries, claimed));
      }
      for (const f of files) {
        const r = rulesFor(f.name);
        if (r?.kind === 'host' && !vmDirs.has(path.posix.dirname(f.path))) report.hostLogs.push(await readLog(src, f, r.log, r.rules));
        else if (/^(shell|auth|hostd|vmkernel|vobd)[.-]?\d*\.(gz|tgz)$/i.test(f.name)) problems.push({ file: src.fa.display(f.path), problem: 'compressed rotated log: not read (gunzip a copy and triage the folder)' });
      }
    }
    for (const l of [...report.vms.flatMap((v) => v.logs), ...report.hostLogs]) {
      if (l.problem) problems.push({ file: l.file, problem: l.problem });
      if (l.badTimes) problems.push({ file: l.file, problem: `${l.badTimes} line(s) with a time that is not a real one (first: line ${l.firstBadTimeLine})` });
      if (l.longLines) problems.push({ file: l.file, problem: `${l.longLines} line(s) longer than 64 KiB, read up to that length` });
    }
    for (const l of report.hostLogs) {
      for (const e of l.events) {
        if (e.kind !== 'shell-command') continue;
        const m = /^\[([^\]]*)\] (.*)$/.exec(e.text);
        report.shellCommands.push({ time: e.time, user: m?.[1], command: m ? m[2]! : e.text, file: l.file, line: e.line });
      }
    }
    report.shellCommands.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
    for (const vm of report.vms) {
      addFindings(vm, report.findings);
      for (const p of vm.problems) problems.push({ file: vm.vmx, problem: p });
    }
    for (const inv of inventoryEntries) {
      for (const e of inv.entries) {
        if (!claimed.has(e)) report.findings.push({ severity: 'info', kind: 'inventory-vmx-missing', message: `${inv.file} registers ${e.vmxCfgPath}, which is not on this evidence` });
      }
    }
    if (report.shellCommands.length) report.findings.push({ severity: 'medium', kind: 'shell-commands', message: `${report.shellCommands.length} command(s) typed into the ESXi Shell (${[...new Set(report.hostLogs.filter((l) => l.log === 'shell').map((l) => l.file))].join(', ')})` });
    const rank = { high: 0, medium: 1, info: 2 };
    report.findings.sort((a, b) => rank[a.severity] - rank[b.severity]);
    return { report, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `files`: those of the VM's folder. */
async function triageVm(src: TriageSource, cache: FolderCache, files: FileEntry[], vmxFile: FileEntry, inventories: Array<{ file: string; entries: InventoryEntry[] }>, claimed: Set<InventoryEntry>): Promise<VmTriage> {
  const fa = src.fa;
  const dir = path.posix.dirname(vmxFile.path);
  const problems: string[] = [];
  let cfg: ConfigMap = new Map();
  try {
    const parsed = parseConfigChecked(await fa.readText(vmxFile.path, MAX_CONFIG_BYTES));
    cfg = parsed.cfg;
    problems.push(...parsed.problems);
    if (parsed.badLines > parsed.problems.length) problems.push(`${parsed.badLines - parsed.problems.length} more unreadable lines`);
  } catch (e) {
    problems.push(`cannot read the .vmx: ${message(e)}`);
  }
  let inv: VmInventory | undefined;
  try {
    inv = (await inventoryFolder(cache, dir)).find((v) => v.vmx === vmxFile.path);
  } catch (e) {
    problems.push(`disks and snapshots: ${message(e)}`);
  }
  const identity = vmIdentity(cfg);
  const name = identity.displayName || inv?.vm || path.posix.basename(vmxFile.name, '.vmx');
  const passthrough = vmPassthrough(cfg);
  // RDM disks: the descriptor's createType, the mapped LUN from the mapping file (src/vmdk/rdm.ts).
  for (const d of inv?.disks ?? []) {
    const top = d.chain[0];
    if (!top || !/rawdevicemap/i.test(top.createType)) continue;
    const ext = top.extents[0];
    let target = `${top.createType} ${ext?.file ?? ''}`.trim();
    const details: Record<string, string> = { createType: top.createType, descriptor: fa.display(top.path) };
    if (ext) {
      try {
        const facts = (await openRdmExtent({ type: ext.type, sectors: ext.sectors, filename: ext.file }, fa.resolver(dir), { file: fa.display(top.path) })).describe?.() ?? {};
        const lun = facts.lun as { id?: string; lun?: number; vendor?: string; model?: string } | undefined;
        if (lun?.id) details.lun = lun.id;
        if (facts['mapping-file']) details.mappingFile = String(facts['mapping-file']);
        target = `${top.createType === 'vmfsPassthroughRawDeviceMap' ? 'physical' : 'virtual'}-mode RDM to ${lun?.id ?? (facts['mapping-file-present'] === false ? `${ext.file} (mapping file absent)` : ext.file)}, ${ext.sectors * 512} bytes`;
      } catch (e) {
        problems.push(`RDM ${d.node}: ${message(e)}`);
      }
    }
    passthrough.push({ kind: 'rdm', key: `${d.node ?? d.disk}.fileName`, target, details });
  }
  const { memory, pairs } = memoryOf(files, dir, cfg, inv?.snapshots ?? [], (p) => fa.display(p));
  const logs: LogReport[] = [];
  for (const f of files.filter((x) => path.posix.dirname(x.path) === dir)) {
    const r = rulesFor(f.name);
    if (r?.kind !== 'vm') continue;
    logs.push(await readLog(src, f, r.log, r.rules));
  }
  let registered: boolean | null = inventories.length ? false : null;
  let inventoryFile: string | undefined;
  for (const i of inventories) {
    const hit = i.entries.find((e) => sameVmx(e.vmxCfgPath, src, vmxFile.path));
    if (hit) {
      registered = true;
      inventoryFile = i.file;
      claimed.add(hit);
    }
  }
  const json = inv ? vmJson(inv, fa) : { disks: [], snapshots: [] };
  for (const w of inv?.warnings ?? []) problems.push(w);
  return {
    name,
    vmx: fa.display(vmxFile.path),
    folder: fa.display(dir),
    source: src.address,
    identity,
    registered,
    inventoryFile,
    nics: vmNics(cfg),
    passthrough,
    disks: json.disks as unknown[],
    snapshots: json.snapshots as unknown[],
    memory,
    memoryPairs: pairs,
    logs,
    problems,
    internal: { fa, dir, vmxPath: vmxFile.path, snapshots: inv?.snapshots ?? [], inventory: inv },
  };
}

/** The documented JSON shape (README "triage --json"). */
export function triageJson(r: TriageReport): Record<string, unknown> {
  return {
    sources: r.sources,
    findings: r.findings,
    vms: r.vms.map(({ internal: _internal, ...vm }) => vm),
    hostLogs: r.hostLogs,
    shellCommands: r.shellCommands,
    inventories: r.inventories,
    problems: r.problems,
  };
}
