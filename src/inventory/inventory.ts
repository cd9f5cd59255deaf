/**
 * VM folders → VMs → disks → readable states. A VM folder holds a .vmx (the
 * current configuration: name, disks), maybe a .vmsd (the snapshot tree and,
 * per snapshot, the descriptor each disk had when it was taken) and the
 * .vmsn/.vmem files of each snapshot. Every layer of a disk's chain is one
 * point in time: the base (state before the first snapshot), one per
 * snapshot, and the current state at the top.
 */
import path from 'node:path';
import type { DiskState, FolderAccess } from './index.js';
import { FolderCache, MAX_DESCRIPTOR_FILE, readLayer, resolveName, walkChain, type ChainLayer } from './chain.js';
import { MAX_CONFIG_BYTES, parseConfig, vmsdInfo, vmxInfo, type VmsdSnapshot, type VmxDisk } from './vmx.js';

/** How far below the root VM folders are looked for, and how many folders at most. */
const MAX_DEPTH = 4;
const MAX_FOLDERS = 10_000;

export interface SnapshotNode extends VmsdSnapshot {
  /** Memory image (.vmem beside the .vmsn), when present. */
  memoryFile?: string;
  children: SnapshotNode[];
  /** The VM runs on top of this snapshot (snapshot.current). */
  current: boolean;
}

export interface DiskInventory {
  node?: string;
  /** Base disk name ("VM" for VM.vmdk). */
  disk: string;
  /** Descriptor the VM uses now (top of the chain). */
  descriptor: string;
  chain: ChainLayer[];
  problem?: string;
  /** Newest first: current, then the snapshots down to the base. */
  states: DiskState[];
}

export interface VmInventory {
  dir: string;
  vm: string;
  vmx?: string;
  vmsd?: string;
  /** Root snapshots (trees), oldest first. */
  snapshots: SnapshotNode[];
  disks: DiskInventory[];
  warnings: string[];
}

function safeLabel(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';
}

const stem = (p: string) => path.posix.basename(p).replace(/\.vmdk$/i, '');

/** Folders under `root` (itself included) that hold a .vmx, or .vmdk descriptors without one. */
async function vmFolders(cache: FolderCache, root: string): Promise<string[]> {
  const out: string[] = [];
  let level = [root];
  let seen = 0;
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (++seen > MAX_FOLDERS) return out;
      const ents = await cache.entries(dir);
      if ([...ents.keys()].some((n) => /\.(vmx|vmdk)$/i.test(n))) out.push(dir);
      for (const [n, e] of ents) if (e.type === 'dir' && !n.startsWith('.')) next.push(path.posix.join(dir, n));
    }
    level = next.sort();
  }
  return out;
}

async function readConfig(cache: FolderCache, p: string) {
  return parseConfig(await cache.fa.readText(p, MAX_CONFIG_BYTES));
}

/** Descriptors in `dir` that no other descriptor there names as its parent: the tops of chains. */
async function chainTops(cache: FolderCache, dir: string): Promise<string[]> {
  const layers: ChainLayer[] = [];
  for (const [n, e] of await cache.entries(dir)) {
    if (e.type !== 'file' || !/\.vmdk$/i.test(n) || e.size > MAX_DESCRIPTOR_FILE) continue;
    try {
      layers.push(await readLayer(cache, path.posix.join(dir, n)));
    } catch {
      /* a binary extent file, not a descriptor */
    }
  }
  const parents = new Set<string>();
  for (const l of layers) if (l.parentHint) parents.add(path.posix.basename(l.parentHint.replace(/\\/g, '/')));
  return layers.filter((l) => !parents.has(path.posix.basename(l.path))).map((l) => l.path).sort();
}

function buildTree(snaps: VmsdSnapshot[], current: number | undefined, memory: (s: VmsdSnapshot) => string | undefined): SnapshotNode[] {
  const nodes = new Map<number, SnapshotNode>();
  for (const s of snaps) nodes.set(s.uid, { ...s, memoryFile: memory(s), children: [], current: s.uid === current });
  const roots: SnapshotNode[] = [];
  for (const n of nodes.values()) {
    const p = n.parent !== undefined ? nodes.get(n.parent) : undefined;
    // A parent link to itself or to a missing uid makes a root (never a cycle to walk).
    if (p && p !== n && !isAncestor(n, p, nodes)) p.children.push(n);
    else roots.push(n);
  }
  return roots;
}

function isAncestor(n: SnapshotNode, of: SnapshotNode, nodes: Map<number, SnapshotNode>): boolean {
  let cur: SnapshotNode | undefined = of;
  for (let i = 0; cur && i <= nodes.size; i++) {
    if (cur === n) return true;
    cur = cur.parent !== undefined ? nodes.get(cur.parent) : undefined;
  }
  return false;
}

/** The VMs of one folder (one per .vmx, or one for its descriptors when there is no .vmx). */
export async function inventoryFolder(cache: FolderCache, dir: string): Promise<VmInventory[]> {
  const ents = await cache.entries(dir);
  const names = [...ents.keys()].sort();
  const vmxs = names.filter((n) => /\.vmx$/i.test(n) && ents.get(n)!.type !== 'dir');
  const fa = cache.fa;
  const out: VmInventory[] = [];
  for (const vmxName of vmxs.length ? vmxs : [undefined]) {
    const warnings: string[] = [];
    let vmName = path.posix.basename(dir) || dir;
    let vmxDisks: VmxDisk[] = [];
    let vmx: string | undefined;
    if (vmxName) {
      vmx = path.posix.join(dir, vmxName);
      try {
        const info = vmxInfo(await readConfig(cache, vmx));
        vmName = info.displayName || vmName;
        vmxDisks = info.disks;
      } catch (e) {
        warnings.push(`${fa.display(vmx)}: ${(e as Error).message}`);
      }
    } else {
      vmxDisks = (await chainTops(cache, dir)).map((p) => ({ node: '', fileName: path.posix.basename(p) }));
    }
    // The .vmsd shares the .vmx's base name; fall back to the only .vmsd of the folder.
    const vmsdName = (vmxName && names.find((n) => n.toLowerCase() === vmxName.replace(/\.vmx$/i, '.vmsd').toLowerCase())) || (names.filter((n) => /\.vmsd$/i.test(n)).length === 1 ? names.find((n) => /\.vmsd$/i.test(n)) : undefined);
    let snaps: VmsdSnapshot[] = [];
    let currentUid: number | undefined;
    let vmsd: string | undefined;
    if (vmsdName) {
      vmsd = path.posix.join(dir, vmsdName);
      try {
        const info = vmsdInfo(await readConfig(cache, vmsd), fa.display(vmsd));
        snaps = info.snapshots;
        currentUid = info.current;
        warnings.push(...info.warnings.map((w) => `${fa.display(vmsd!)}: ${w}`));
      } catch (e) {
        warnings.push(`${fa.display(vmsd)}: ${(e as Error).message}`);
      }
    }
    const memory = (s: VmsdSnapshot) => {
      if (!s.stateFile) return undefined;
      const m = s.stateFile.replace(/\.vmsn$/i, '.vmem');
      return m !== s.stateFile && ents.has(m) ? m : undefined;
    };
    const tree = buildTree(snaps, currentUid, memory);

    const disks: DiskInventory[] = [];
    for (const d of vmxDisks) {
      const top = await resolveName(cache, dir, d.fileName);
      if (!top) {
        warnings.push(`disk ${d.node || d.fileName}: "${d.fileName}" is missing`);
        continue;
      }
      const chain = await walkChain(cache, top);
      const base = chain.layers[chain.layers.length - 1];
      const disk = stem(chain.problem || !base ? top : base.path);
      const byPath = new Map<string, VmsdSnapshot>();
      for (const s of snaps) {
        const sd = s.disks.find((x) => x.node === d.node) ?? s.disks.find((x) => chain.layers.some((l) => path.posix.basename(l.path) === path.posix.basename(x.fileName)));
        if (!sd) continue;
        const p = await resolveName(cache, dir, sd.fileName);
        if (p) byPath.set(p, s);
        else warnings.push(`snapshot "${s.name}": disk file "${sd.fileName}" is missing`);
      }
      const states: DiskState[] = [];
      const used = new Set<string>();
      const add = (descriptor: string, state: string, label: string, snap?: VmsdSnapshot, size?: number) => {
        let l = label;
        for (let i = 2; used.has(l); i++) l = `${label}-${i}`;
        used.add(l);
        const st: DiskState = { vmDir: dir, vm: vmName, disk, descriptor, state, label: l, virtualSize: size };
        if (snap) {
          st.snapshot = { uid: snap.uid, name: snap.name, description: snap.description, created: snap.created, stateFile: snap.stateFile && path.posix.join(dir, snap.stateFile) };
          const mem = memory(snap);
          if (mem) st.snapshot.memoryFile = path.posix.join(dir, mem);
        }
        states.push(st);
      };
      chain.layers.forEach((l, i) => {
        const snap = byPath.get(l.path);
        if (i === 0) add(l.path, 'current', disk, undefined, l.size);
        else if (snap) add(l.path, snap.name, `${disk}@${safeLabel(snap.name)}`, snap, l.size);
        else if (i === chain.layers.length - 1 && !chain.problem) add(l.path, 'base', `${disk}@base`, undefined, l.size);
        else add(l.path, stem(l.path), `${disk}@${safeLabel(stem(l.path))}`, undefined, l.size);
        byPath.delete(l.path);
      });
      // Snapshots whose disk is on another branch of the tree are states too.
      for (const [p, snap] of byPath) add(p, snap.name, `${disk}@${safeLabel(snap.name)}`, snap);
      disks.push({ node: d.node || undefined, disk, descriptor: top, chain: chain.layers, problem: chain.problem, states });
    }
    if (vmx || disks.length) out.push({ dir, vm: vmName, vmx, vmsd, snapshots: tree, disks, warnings });
  }
  return out;
}

/** Every VM under `root`, each with its snapshot tree and the states of its disks. */
export async function inventory(fa: FolderAccess, root = '/'): Promise<VmInventory[]> {
  const cache = new FolderCache(fa);
  const norm = path.posix.normalize('/' + root).replace(/(.)\/$/, '$1');
  const out: VmInventory[] = [];
  for (const dir of await vmFolders(cache, norm)) out.push(...(await inventoryFolder(cache, dir)));
  return out;
}
