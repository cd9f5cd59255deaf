/**
 * The deltas corpus: ESXi-style snapshot chains built from a deterministic
 * recipe, so tests can rebuild them bit for bit (no binaries committed) and
 * compare every state with the qemu-img results recorded in the "deltas"
 * section of corpus/MANIFEST.
 *
 *   VM/   flat base (vmfs) → COWD → COWD, with VM.vmx and VM.vmsd (two snapshots)
 *   SE/   thin base (vmfs, sparse flat file) → SESparse → SESparse, with .vmx/.vmsd
 *   WS/   a Workstation VM imported to ESXi (VMFS-6) as it was: monolithicSparse base
 *         (qemu-img) → Workstation snapshot, monolithicSparse delta (qemu-img create -b,
 *         qemu-io writes) → ESXi snapshot, SESparse
 *   W2/   a Workstation VM whose disk was split in 2 GB files, imported to ESXi (VMFS-5):
 *         twoGbMaxExtentSparse base (qemu-img) → COWD → COWD
 *
 * VM and SE are also placed in a VMFS-5 datastore image (delta-vmfs.ts); WS and
 * W2 are host folders. The qemu-made files of WS and W2 cannot be rebuilt
 * without qemu, so they are committed as corpus/deltas/hosted.tar.gz
 * (deterministic: fixed CIDs, sorted tar, gzip -n); our COWD and SESparse
 * deltas on top of them are rebuilt from the recipe like the others.
 *
 * Each state's expected raw content is computed here from the recipe (a
 * model independent of the readers); corpus/build-deltas.sh accepts the
 * build only when `qemu-img convert -O raw` of every state gives the same bytes.
 *
 *   node dist/corpus/builders/delta-chains.js OUTDIR            build only
 *   node dist/corpus/builders/delta-chains.js OUTDIR --record   build, check with qemu-img, write MANIFEST "deltas"
 *   node dist/corpus/builders/delta-chains.js OUTDIR --check    build, check with qemu-img against MANIFEST
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCowdFile } from './cowd-writer.js';
import { writeSesparseFile, type SesparseGrain } from './sesparse-writer.js';
import { fixCids } from './fix-cids.js';
import { CORPUS_DIR } from './manifest.js';

/** The qemu-made layers of the hosted chains (WS, W2), relative to corpus/. */
export const HOSTED_ARCHIVE = 'deltas/hosted.tar.gz';

export const DISK_BYTES = 40 << 20;
const MiB = 1 << 20;
const KiB = 1024;

/** Counter-mode bytes: byte i of stream `seed` depends only on (seed, i). */
export function fillPattern(buf: Buffer, seed: number, start: number): void {
  for (let i = 0; i < buf.length; i++) {
    const p = start + i;
    let x = (Math.imul((p >>> 2) + 1, 0x9e3779b1) ^ Math.imul(seed + 0x632be5ab, 0x85ebca77)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
    x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
    buf[i] = ((x ^ (x >>> 16)) >>> ((p & 3) * 8)) & 0xff;
  }
}

/** A write the guest made: bytes of `seed`'s pattern at [offset, offset+length), or zeros when seed is 0. */
interface Write {
  offset: number;
  length: number;
  seed: number;
}

/** A write qemu-io makes on a hosted (Workstation) layer: `byte` fills the range (`write -P`); 0 is `write -z`. */
interface HostedWrite {
  offset: number;
  length: number;
  byte: number;
}

/** How a snapshot layer stores a write: as data, or (SESparse only) as a zero or unmapped grain. */
interface Layer {
  writes: Write[];
  /** SESparse: grains marked zero (type 2) / unmapped (type 1): the guest reads zeros. */
  zeroGrains?: number[];
  unmapGrains?: number[];
}

/** Base disk content: a few regions of data, the rest zeros (holes in the thin base). */
const BASE: Write[] = [
  { offset: 0, length: 3 * MiB, seed: 11 },
  { offset: 15 * MiB, length: 2 * MiB + 512 * KiB, seed: 12 }, // crosses the 16 MiB SESparse table boundary
  { offset: 30 * MiB, length: 2 * MiB, seed: 13 },
];

/** COWD snapshots: 512-byte grains, 2 MiB per grain table. */
const COWD_LAYERS: Layer[] = [
  {
    writes: [
      { offset: 4096, length: 8192, seed: 21 }, // inside base data
      { offset: 2 * MiB - 1536, length: 4096, seed: 22 }, // crosses a grain table boundary
      { offset: 10 * MiB, length: 512, seed: 23 }, // over base zeros
      { offset: 30 * MiB + 512, length: 512, seed: 0 }, // zeros written as a stored grain
      { offset: DISK_BYTES - 7 * 512, length: 7 * 512, seed: 24 }, // last grains of the disk
    ],
  },
  {
    writes: [
      { offset: 8192, length: 1024, seed: 31 }, // overlaps the first snapshot's tail
      { offset: 5 * MiB, length: 64 * KiB, seed: 32 },
      { offset: 10 * MiB, length: 512, seed: 33 }, // overwrites the first snapshot's grain
      { offset: 16 * MiB - 512, length: 1024, seed: 34 },
    ],
  },
];

/** SESparse snapshots: 4 KiB grains, 16 MiB per grain table. */
const G = 4096;
const SES_LAYERS: Layer[] = [
  {
    writes: [
      { offset: 0, length: G, seed: 41 },
      { offset: 16 * MiB - G, length: 2 * G, seed: 42 }, // one grain each side of the table boundary
      { offset: 20 * MiB, length: G, seed: 43 }, // first grain of a base hole (1 MiB VMFS block 20): its neighbours fall through to the hole
      { offset: 8 * MiB + 64 * KiB, length: G, seed: 44 }, // inside a base hole (block 8): grains on both sides fall through to it
    ],
    zeroGrains: [MiB / G], // over base data
    unmapGrains: [(30 * MiB) / G], // over base data: zeros, as qemu reads it
  },
  {
    writes: [{ offset: MiB, length: G, seed: 51 }], // data over the zeroed grain
    zeroGrains: [(20 * MiB) / G], // zero over the first snapshot's data
    unmapGrains: [0], // unmap over the first snapshot's data
  },
];

/** SESparse snapshot over the Workstation chain WS (4 KiB grains over 64 KiB hosted grains). */
const WS_BASE: Write[] = [
  { offset: 0, length: 16 * KiB, seed: 61 }, // grain 0, rest of the 64 KiB grain zeros
  { offset: MiB + 4 * KiB, length: 8 * KiB, seed: 62 }, // inside one hosted grain
  { offset: 32 * MiB - 8 * KiB, length: 16 * KiB, seed: 63 }, // crosses the 32 MiB hosted grain table boundary
  { offset: DISK_BYTES - 4 * KiB, length: 4 * KiB, seed: 64 }, // last grain
];
/** The Workstation snapshot (monolithicSparse delta made by qemu-img create -b, written by qemu-io). */
const WS_HOSTED: HostedWrite[][] = [
  [
    { offset: 8 * KiB, length: 4 * KiB, byte: 0xa1 }, // partial grain over base data: qemu copies the rest of the grain
    { offset: 5 * MiB, length: 64 * KiB, byte: 0xa2 }, // a whole grain over nothing
    { offset: 32 * MiB - 64 * KiB, length: 64 * KiB, byte: 0 }, // write -z over base data: stored zeros
    { offset: DISK_BYTES - 512, length: 512, byte: 0xa3 }, // last sector
  ],
];
const WS_LAYERS: Layer[] = [
  {
    writes: [
      { offset: 8 * KiB, length: G, seed: 71 }, // over the Workstation delta's grain
      { offset: MiB + 4 * KiB, length: G, seed: 72 }, // over the base's grain (through the Workstation delta)
      { offset: 20 * MiB, length: G, seed: 73 }, // over nothing in either hosted layer
      { offset: 32 * MiB, length: G, seed: 74 }, // base data past the Workstation delta's zeros
    ],
    zeroGrains: [(5 * MiB) / G], // zero over the Workstation delta's data
    unmapGrains: [0], // unmap over base data (copied up into the Workstation delta)
  },
];

/** COWD snapshots over the split (twoGbMaxExtentSparse) base W2. */
const W2_BASE: Write[] = [
  { offset: 0, length: 12 * KiB, seed: 81 },
  { offset: 2 * MiB - 8 * KiB, length: 16 * KiB, seed: 82 }, // crosses a COWD grain table boundary (2 MiB)
  { offset: 24 * MiB + 60 * KiB, length: 8 * KiB, seed: 83 }, // crosses a 64 KiB hosted grain boundary
];
const W2_LAYERS: Layer[] = [
  {
    writes: [
      { offset: 512, length: 1024, seed: 91 }, // inside base data
      { offset: 2 * MiB - 512, length: 1024, seed: 92 }, // one grain each side of the COWD table boundary, over base data
      { offset: 10 * MiB, length: 512, seed: 93 }, // over an unallocated hosted grain
      { offset: 24 * MiB + 64 * KiB + 4 * KiB, length: 512, seed: 0 }, // zeros stored over base data
    ],
  },
  {
    writes: [
      { offset: 1024, length: 512, seed: 101 }, // overwrites the first snapshot's grain
      { offset: 24 * MiB + 60 * KiB - 512, length: 1024, seed: 102 }, // half over base zeros, half over base data
      { offset: DISK_BYTES - 512, length: 512, seed: 103 }, // last sector, over nothing
    ],
  },
];

function patternOf(w: Write): Buffer {
  const b = Buffer.alloc(w.length);
  if (w.seed) fillPattern(b, w.seed, w.offset);
  return b;
}

/** The disk as it reads after applying `hosted` Workstation layers, then `layers`, over `base`. */
function model(base: Write[], hosted: HostedWrite[][], layers: Layer[], grain: number): Buffer {
  const disk = Buffer.alloc(DISK_BYTES);
  for (const w of base) patternOf(w).copy(disk, w.offset);
  for (const h of hosted) for (const w of h) disk.fill(w.byte, w.offset, w.offset + w.length);
  for (const l of layers) {
    for (const w of l.writes) patternOf(w).copy(disk, w.offset);
    for (const g of [...(l.zeroGrains ?? []), ...(l.unmapGrains ?? [])]) disk.fill(0, g * grain, (g + 1) * grain);
  }
  return disk;
}

/** Grains a layer stores, cut from the model so partial-grain writes carry the rest of the grain. */
function grainsOf(layer: Layer, grain: number, disk: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (const w of layer.writes) {
    for (let g = Math.floor(w.offset / grain); g * grain < w.offset + w.length; g++) m.set(g, Buffer.from(disk.subarray(g * grain, (g + 1) * grain)));
  }
  return m;
}

export interface DescriptorSpec {
  cid: number;
  parentCid?: number;
  createType: string;
  parentHint?: string;
  extent: string;
  thin?: boolean;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** A descriptor in ESXi's shape (vmdk-format §1; cf. vmdk-rs/vmfs_thick*.vmdk). */
export function descriptorText(d: DescriptorSpec): string {
  const lines = ['# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', `CID=${hex8(d.cid)}`, `parentCID=${hex8(d.parentCid ?? 0xffffffff)}`, 'isNativeSnapshot="no"', `createType="${d.createType}"`];
  if (d.parentHint) lines.push(`parentFileNameHint="${d.parentHint}"`);
  lines.push('', '# Extent description', d.extent, '', '# The Disk Data Base', '#DDB', '');
  if (!d.parentHint) {
    lines.push('ddb.adapterType = "lsilogic"', 'ddb.geometry.cylinders = "5"', 'ddb.geometry.heads = "255"', 'ddb.geometry.sectors = "63"');
    if (d.thin) lines.push('ddb.thinProvisioned = "1"');
    lines.push('ddb.uuid = "60 00 c2 9a 5b 31 7e 0d-11 22 33 44 55 66 77 88"', 'ddb.virtualHWVersion = "14"');
  }
  lines.push(`ddb.longContentID = "${'0'.repeat(24)}${hex8(d.cid)}"`);
  return lines.join('\n') + '\n';
}

/** vmsd create time: microseconds since the epoch, split into two signed 32-bit halves as VMware writes them. */
export function vmsdTime(iso: string): { high: number; low: number } {
  const us = BigInt(Date.parse(iso)) * 1000n;
  return { high: Number(BigInt.asIntN(32, us >> 32n)), low: Number(BigInt.asIntN(32, us & 0xffffffffn)) };
}

interface SnapshotSpec {
  uid: number;
  parent?: number;
  name: string;
  description?: string;
  created: string;
  disk: string;
  memory: boolean;
}

function vmsdText(vm: string, snaps: SnapshotSpec[], current: number): string {
  const l = ['.encoding = "UTF-8"', `snapshot.lastUID = "${snaps.length}"`, `snapshot.current = "${current}"`];
  snaps.forEach((s, i) => {
    const t = vmsdTime(s.created);
    const p = `snapshot${i}`;
    l.push(`${p}.uid = "${s.uid}"`);
    if (s.parent !== undefined) l.push(`${p}.parent = "${s.parent}"`);
    l.push(`${p}.filename = "${vm}-Snapshot${s.uid}.vmsn"`, `${p}.displayName = "${s.name}"`);
    if (s.description) l.push(`${p}.description = "${s.description}"`);
    l.push(`${p}.type = "1"`, `${p}.createTimeHigh = "${t.high}"`, `${p}.createTimeLow = "${t.low}"`, `${p}.numDisks = "1"`, `${p}.disk0.fileName = "${s.disk}"`, `${p}.disk0.node = "scsi0:0"`);
  });
  l.push(`snapshot.numSnapshots = "${snaps.length}"`);
  return l.join('\n') + '\n';
}

function vmxText(display: string, disk: string): string {
  return [
    '.encoding = "UTF-8"',
    'config.version = "8"',
    'virtualHW.version = "14"',
    `displayName = "${display}"`,
    'scsi0.present = "TRUE"',
    'scsi0.virtualDev = "lsilogic"',
    'scsi0:0.present = "TRUE"',
    'scsi0:0.deviceType = "scsi-hardDisk"',
    `scsi0:0.fileName = "${disk}"`,
    'ide1:0.present = "TRUE"',
    'ide1:0.deviceType = "cdrom-image"',
    'ide1:0.fileName = "/vmfs/volumes/datastore1/iso/install.iso"',
  ].join('\n') + '\n';
}

/** Write `disk`'s non-zero 64 KiB pieces only: a thin -flat.vmdk as a sparse host file. */
function writeThinFlat(file: string, disk: Buffer, thin: boolean): void {
  const fd = openSync(file, 'wx');
  try {
    const step = 64 * KiB;
    const zero = Buffer.alloc(step);
    for (let o = 0; o < disk.length; o += step) {
      const piece = disk.subarray(o, o + step);
      if (!thin || !piece.equals(zero.subarray(0, piece.length))) writeSync(fd, piece, 0, piece.length, o);
    }
    ftruncateSync(fd, disk.length);
  } finally {
    closeSync(fd);
  }
}

/** One readable point in time, with the bytes it must read as. */
export interface BuiltState {
  /** "VM@base", "VM@1", "VM@current" ... */
  id: string;
  /** Folder, relative to the output dir. */
  dir: string;
  descriptor: string;
  sha256: string;
}

export interface BuiltCorpus {
  states: BuiltState[];
  files: Array<{ path: string; size: number; sha256: string }>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type BaseFormat = 'vmfs' | 'vmfs-thin' | 'monolithicSparse' | 'twoGbMaxExtentSparse';

interface ChainSpec {
  vm: string;
  /** vmfs: our flat file (thick); vmfs-thin: our sparse flat file, thin descriptor; the others: made by qemu-img. */
  baseFormat: BaseFormat;
  base: Write[];
  /** Workstation snapshots over a hosted base, before the import (monolithicSparse deltas made by qemu-img and qemu-io). */
  hosted?: HostedWrite[][];
  /** The ESXi snapshots on top. */
  kind: 'cowd' | 'sesparse';
  layers: Layer[];
  grain: number;
  /** CIDs of the descriptors we write: the flat base (vmfs formats), then each ESXi snapshot. */
  cids: number[];
  snaps: Array<Omit<SnapshotSpec, 'disk' | 'uid' | 'parent'>>;
  /** Also placed in the VMFS-5 datastore image (delta-vmfs.ts). */
  datastore: boolean;
}

const CHAINS: ChainSpec[] = [
  {
    vm: 'VM',
    baseFormat: 'vmfs',
    base: BASE,
    kind: 'cowd',
    layers: COWD_LAYERS,
    grain: 512,
    cids: [0x1a2b3c4d, 0x2b3c4d5e, 0x3c4d5e6f],
    snaps: [
      { name: 'Before update', description: 'clean install', created: '2024-03-05T10:20:30.000Z', memory: true },
      { name: 'After update', created: '2024-03-06T08:00:01.000Z', memory: false },
    ],
    datastore: true,
  },
  {
    vm: 'SE',
    baseFormat: 'vmfs-thin',
    base: BASE,
    kind: 'sesparse',
    layers: SES_LAYERS,
    grain: G,
    cids: [0x5e5e0001, 0x5e5e0002, 0x5e5e0003],
    snaps: [
      { name: 'snap-1', created: '2025-01-02T03:04:05.000Z', memory: false },
      { name: 'snap-2', description: 'with memory', created: '2025-01-02T04:05:06.000Z', memory: true },
    ],
    datastore: true,
  },
  {
    vm: 'WS',
    baseFormat: 'monolithicSparse',
    base: WS_BASE,
    hosted: WS_HOSTED,
    kind: 'sesparse',
    layers: WS_LAYERS,
    grain: G,
    cids: [0x3d5e0002],
    snaps: [
      { name: 'Workstation: before export', description: 'taken on Workstation', created: '2023-11-20T16:00:00.000Z', memory: false },
      { name: 'ESXi: imported', created: '2025-02-03T09:10:11.000Z', memory: false },
    ],
    datastore: false,
  },
  {
    vm: 'W2',
    baseFormat: 'twoGbMaxExtentSparse',
    base: W2_BASE,
    kind: 'cowd',
    layers: W2_LAYERS,
    grain: 512,
    cids: [0x2c0d0001, 0x2c0d0002],
    snaps: [
      { name: 'imported', created: '2024-06-01T12:00:00.000Z', memory: false },
      { name: 'patched', created: '2024-06-02T12:00:00.000Z', memory: true },
    ],
    datastore: false,
  },
];

/** Folders of the chains that also go into the VMFS-5 datastore image. */
export const DATASTORE_CHAINS: readonly string[] = CHAINS.filter((c) => c.datastore).map((c) => c.vm);

const hostedBase = (c: ChainSpec) => c.baseFormat === 'monolithicSparse' || c.baseFormat === 'twoGbMaxExtentSparse';

/** CID of a descriptor (stand-alone, or embedded in a hosted sparse file). */
export function readCid(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(21 * 512);
    const text = b.subarray(0, readSync(fd, b, 0, b.length, 0)).toString('latin1');
    const m = /(?:^|\n)CID=([0-9a-fA-F]{1,8})\r?\n/.exec(text);
    if (!m) throw new Error(`${file}: no CID= line`);
    return parseInt(m[1]!, 16);
  } finally {
    closeSync(fd);
  }
}

const quiet = { stdio: ['ignore', 'ignore', 'inherit'] as ['ignore', 'ignore', 'inherit'] };

/**
 * Make the qemu-made layers of the hosted chains under `dir`/<vm>/ (needs
 * qemu-img and qemu-io): the base by `qemu-img convert` of the recipe's raw
 * base, each Workstation snapshot by `qemu-img create -b` and the recipe's
 * writes through `qemu-io`; then fixed CIDs instead of qemu's random ones.
 */
export function makeHostedLayers(dir: string): void {
  for (const c of CHAINS.filter(hostedBase)) {
    const vmDir = path.join(dir, c.vm);
    mkdirSync(vmDir, { recursive: true });
    const raw = path.join(dir, `${c.vm}.base.raw`);
    writeThinFlat(raw, model(c.base, [], [], c.grain), true);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${c.baseFormat}`, raw, `${c.vm}.vmdk`], { ...quiet, cwd: vmDir });
    rmSync(raw);
    (c.hosted ?? []).forEach((writes, i) => {
      const child = `${c.vm}-${String(i + 1).padStart(6, '0')}.vmdk`;
      const parent = i ? `${c.vm}-${String(i).padStart(6, '0')}.vmdk` : `${c.vm}.vmdk`;
      execFileSync('qemu-img', ['create', '-f', 'vmdk', '-b', parent, '-F', 'vmdk', child], { ...quiet, cwd: vmDir });
      for (const w of writes) {
        const cmd = w.byte ? `write -P 0x${w.byte.toString(16)} ${w.offset} ${w.length}` : `write -z ${w.offset} ${w.length}`;
        execFileSync('qemu-io', ['-f', 'vmdk', '-c', cmd, child], { ...quiet, cwd: vmDir });
      }
    });
  }
  fixCids(dir);
}

/** `makeHostedLayers` packed as a deterministic .tar.gz (sorted names, fixed owner, mode and time; gzip -n). */
export function makeHostedArchive(archive: string): void {
  const work = mkdtempSync(path.join(os.tmpdir(), 'vmfskit-hosted-'));
  try {
    makeHostedLayers(work);
    const dirs = CHAINS.filter(hostedBase).map((c) => c.vm).sort();
    const tar = execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--mode=a=rX,u+w', '--format=gnu', '-C', work, '-cf', '-', ...dirs], { maxBuffer: 1 << 30 });
    mkdirSync(path.dirname(archive), { recursive: true });
    writeFileSync(archive, execFileSync('gzip', ['-n', '-9', '-c'], { input: tar, maxBuffer: 1 << 30 }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Build every chain under `out` (must be empty or absent). The qemu-made
 * layers of the hosted chains come from `archive` (default: the committed one).
 */
export function buildDeltaCorpus(out: string, archive = path.join(CORPUS_DIR, HOSTED_ARCHIVE)): BuiltCorpus {
  const states: BuiltState[] = [];
  const files: BuiltCorpus['files'] = [];
  mkdirSync(out, { recursive: true });
  if (CHAINS.some(hostedBase)) execFileSync('tar', ['-xzf', archive, '-C', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const c of CHAINS) {
    const dir = path.join(out, c.vm);
    mkdirSync(dir, { recursive: true });
    const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text, { flag: 'wx' });
    const hosted = c.hosted ?? [];
    const descriptors = [`${c.vm}.vmdk`];
    const cids = [...c.cids];
    if (hostedBase(c)) {
      // Made by qemu-img (from the archive): the same recipe says what they read as.
      if (!existsSync(path.join(dir, descriptors[0]!))) throw new Error(`${archive} holds no ${c.vm}/${descriptors[0]}`);
    } else {
      const thin = c.baseFormat === 'vmfs-thin';
      writeThinFlat(path.join(dir, `${c.vm}-flat.vmdk`), model(c.base, [], [], c.grain), thin);
      write(descriptors[0]!, descriptorText({ cid: cids.shift()!, createType: 'vmfs', extent: `RW ${DISK_BYTES / 512} VMFS "${c.vm}-flat.vmdk"`, thin }));
    }
    states.push({ id: `${c.vm}@0`, dir: c.vm, descriptor: descriptors[0]!, sha256: sha(model(c.base, [], [], c.grain)) });
    hosted.forEach((_, i) => {
      const name = `${c.vm}-${String(i + 1).padStart(6, '0')}.vmdk`;
      descriptors.push(name);
      states.push({ id: `${c.vm}@${i + 1}`, dir: c.vm, descriptor: name, sha256: sha(model(c.base, hosted.slice(0, i + 1), [], c.grain)) });
    });
    c.layers.forEach((layer, i) => {
      const k = hosted.length + i + 1;
      const n = String(k).padStart(6, '0');
      const name = `${c.vm}-${n}.vmdk`;
      const disk = model(c.base, hosted, c.layers.slice(0, i + 1), c.grain);
      const grains = grainsOf(layer, c.grain, disk);
      if (c.kind === 'cowd') {
        // The second snapshot's grains are stored last-written-first, as a guest writing backwards leaves them.
        const writeOrder = i === 1 ? [...grains.keys()].sort((a, b) => b - a) : undefined;
        writeCowdFile(path.join(dir, `${c.vm}-${n}-delta.vmdk`), { capacityBytes: DISK_BYTES, grains, writeOrder });
      } else {
        const all = new Map<number, SesparseGrain>(grains);
        for (const g of layer.zeroGrains ?? []) all.set(g, 'zero');
        for (const g of layer.unmapGrains ?? []) all.set(g, 'unmap');
        writeSesparseFile(path.join(dir, `${c.vm}-${n}-sesparse.vmdk`), { capacityBytes: DISK_BYTES, grains: all });
      }
      const type = c.kind === 'cowd' ? 'VMFSSPARSE' : 'SESPARSE';
      const file = c.kind === 'cowd' ? `${c.vm}-${n}-delta.vmdk` : `${c.vm}-${n}-sesparse.vmdk`;
      const parent = descriptors[descriptors.length - 1]!;
      write(
        name,
        descriptorText({
          cid: cids[i]!,
          parentCid: readCid(path.join(dir, parent)),
          createType: c.kind === 'cowd' ? 'vmfsSparse' : 'seSparse',
          parentHint: parent,
          extent: `RW ${DISK_BYTES / 512} ${type} "${file}"`,
        }),
      );
      descriptors.push(name);
      states.push({ id: `${c.vm}@${k}`, dir: c.vm, descriptor: name, sha256: sha(disk) });
    });
    const snaps: SnapshotSpec[] = c.snaps.map((s, i) => ({ ...s, uid: i + 1, parent: i ? i : undefined, disk: descriptors[i]! }));
    write(`${c.vm}.vmsd`, vmsdText(c.vm, snaps, snaps.length));
    write(`${c.vm}.vmx`, vmxText(`${c.vm} test machine`, descriptors[descriptors.length - 1]!));
    for (const s of snaps) {
      write(`${c.vm}-Snapshot${s.uid}.vmsn`, `vmsn placeholder for snapshot ${s.uid}\n`);
      if (s.memory) write(`${c.vm}-Snapshot${s.uid}.vmem`, `vmem placeholder for snapshot ${s.uid}\n`);
    }
  }
  return { states, files: listFiles(out) };
}

function listFiles(root: string): BuiltCorpus['files'] {
  const out: BuiltCorpus['files'] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    for (const e of readdirSync(abs, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else {
        const b = readFileSync(path.join(root, r));
        out.push({ path: r, size: b.length, sha256: sha(b) });
      }
    }
  };
  walk('');
  return out;
}

/** qemu-img's view of one state: raw sha256 and merged map runs. */
export interface QemuState {
  sha256: string;
  map: Array<{ start: number; length: number; depth: number; data: boolean; zero: boolean }>;
}

export function qemuView(descriptorPath: string, scratchRaw: string): QemuState {
  execFileSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', descriptorPath, scratchRaw], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sha256 = sha(readFileSync(scratchRaw));
  const map = JSON.parse(execFileSync('qemu-img', ['map', '-f', 'vmdk', '--output=json', descriptorPath], { encoding: 'utf8' })) as Array<Record<string, unknown>>;
  return { sha256, map: map.map((r) => ({ start: r.start as number, length: r.length as number, depth: r.depth as number, data: r.data as boolean, zero: r.zero as boolean })) };
}

async function main(): Promise<void> {
  const [out, mode] = process.argv.slice(2);
  if (!out) {
    console.error('usage: delta-chains.js OUTDIR [--record|--check]');
    process.exit(2);
  }
  const { readSection, writeSection } = await import('./manifest.js');
  const recorded = readSection<DeltasSection>('deltas');
  let bad = 0;
  const committed = path.join(CORPUS_DIR, HOSTED_ARCHIVE);
  if (mode === '--record') makeHostedArchive(committed);
  if (mode === '--check') {
    // The qemu-made layers rebuilt now must be the committed archive, byte for byte.
    const again = path.join(path.dirname(out), 'hosted-again.tar.gz');
    makeHostedArchive(again);
    const same = readFileSync(again).equals(readFileSync(committed));
    if (!same) bad++;
    console.error(`${same ? 'ok  ' : 'FAIL'} corpus/${HOSTED_ARCHIVE} rebuilt with qemu-img/qemu-io: ${same ? 'identical' : 'differs from the committed archive'}`);
  }
  const archiveBytes = readFileSync(committed);
  const archive = { path: HOSTED_ARCHIVE, size: archiveBytes.length, sha256: sha(archiveBytes) };
  if (mode === '--check' && JSON.stringify(recorded?.archive) !== JSON.stringify(archive)) {
    bad++;
    console.error(`FAIL corpus/${HOSTED_ARCHIVE} differs from MANIFEST (deltas.archive)`);
  }
  const built = buildDeltaCorpus(out, committed);
  if (!mode) return;
  const states: DeltasSection['states'] = [];
  for (const s of built.states) {
    const q = qemuView(path.join(out, s.dir, s.descriptor), path.join(path.dirname(out), 'state.raw'));
    const ok = q.sha256 === s.sha256;
    if (!ok) bad++;
    console.error(`${ok ? 'ok  ' : 'FAIL'} ${s.id} ${s.descriptor}: qemu-img ${q.sha256} model ${s.sha256}`);
    if (mode === '--check') {
      const r = recorded?.states.find((x) => x.id === s.id);
      if (!r || r.sha256 !== q.sha256 || JSON.stringify(r.qemuMap) !== JSON.stringify(q.map)) {
        bad++;
        console.error(`FAIL ${s.id}: differs from MANIFEST`);
      }
    }
    states.push({ id: s.id, dir: s.dir, descriptor: s.descriptor, virtualSize: DISK_BYTES, sha256: q.sha256, sha256Source: 'qemu-img convert -f vmdk -O raw (equals the recipe model)', qemuMap: q.map });
  }
  // The same chains inside a VMFS-5 datastore, with absolute ESXi parent hints.
  const { buildDeltaVolume, extractPartition, qemuViewInVolume } = await import('./delta-vmfs.js');
  const vol = await buildDeltaVolume(out, path.join(path.dirname(out), 'deltas-ds.img'));
  const part = path.join(path.dirname(out), 'deltas-ds.part');
  extractPartition(vol, part);
  const volumeStates: DeltasSection['volume']['states'] = [];
  for (const s of built.states.filter((x) => DATASTORE_CHAINS.includes(x.dir))) {
    const chain = built.states.filter((x) => x.dir === s.dir && x.id <= s.id).map((x) => x.descriptor);
    const q = qemuViewInVolume(part, s.dir, chain, path.join(path.dirname(out), 'vmfs-work', s.id), (f) => sha(readFileSync(f)));
    const ok = q === s.sha256;
    if (!ok) bad++;
    console.error(`${ok ? 'ok  ' : 'FAIL'} volume /${s.dir}/${s.descriptor}: qemu-img (json: backing) ${q}`);
    volumeStates.push({ id: s.id, path: `/${s.dir}/${s.descriptor}`, sha256: q });
  }
  // Thin bases: debugvmfs says which 1 MiB blocks are allocated; only the blocks holding data may be.
  const thin: DeltasSection['volume']['thin'] = [];
  for (const c of CHAINS.filter((x) => x.datastore && x.baseFormat === 'vmfs-thin')) {
    const file = `/${c.vm}/${c.vm}-flat.vmdk`;
    const disk = model(c.base, [], [], c.grain);
    const zero = Buffer.alloc(MiB);
    const want: number[] = [];
    const got: number[] = [];
    for (let b = 0; b < DISK_BYTES / MiB; b++) {
      if (!disk.subarray(b * MiB, (b + 1) * MiB).equals(zero)) want.push(b);
      const blk = execFileSync('debugvmfs', [part, 'get_file_block', file, (b * MiB).toString(16)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
      if (!/^0x[0-9a-f]{8}$/.test(blk)) throw new Error(`debugvmfs get_file_block ${file} ${b}: ${blk}`);
      if (parseInt(blk, 16) !== 0) got.push(b);
    }
    const ok = JSON.stringify(want) === JSON.stringify(got);
    if (!ok) bad++;
    console.error(`${ok ? 'ok  ' : 'FAIL'} volume ${file}: debugvmfs get_file_block: data blocks ${got.join(',')} (model ${want.join(',')}), ${DISK_BYTES / MiB - got.length} holes`);
    thin.push({ path: file, blocks: DISK_BYTES / MiB, dataBlocks: got, holeBlocks: DISK_BYTES / MiB - got.length, oracle: 'debugvmfs get_file_block per 1 MiB block (0x00000000: no block, a hole)' });
  }
  const volume = { image: 'deltas-ds.img', size: vol.size, sha256: vol.sha256, partitionOffset: vol.partitionOffset, datastore: vol.datastore, states: volumeStates, thin };
  if (mode === '--check' && JSON.stringify(recorded?.volume) !== JSON.stringify(volume)) {
    bad++;
    console.error('FAIL rebuilt volume differs from MANIFEST');
  }
  if (mode === '--check') {
    const same = JSON.stringify(recorded?.files) === JSON.stringify(built.files);
    if (!same) {
      bad++;
      console.error('FAIL rebuilt files differ from MANIFEST files');
    }
  }
  if (bad) {
    console.error(`${bad} problem(s)`);
    process.exit(1);
  }
  if (mode === '--record') {
    writeSection('deltas', { builder: 'corpus/builders/delta-chains.ts', qemu: execFileSync('qemu-img', ['--version'], { encoding: 'utf8' }).split('\n')[0], archive, files: built.files, states, volume });
    console.error(`recorded ${states.length} states in corpus/MANIFEST (deltas)`);
  }
}

export interface DeltasSection {
  builder: string;
  qemu: string;
  /** corpus/deltas/hosted.tar.gz: the qemu-made layers of the hosted chains (WS, W2). */
  archive: { path: string; size: number; sha256: string };
  files: BuiltCorpus['files'];
  states: Array<{ id: string; dir: string; descriptor: string; virtualSize: number; sha256: string; sha256Source: string; qemuMap: QemuState['map'] }>;
  /** The chains inside a VMFS-5 datastore image (GPT), read by qemu-img through debugvmfs + json: backing. */
  volume: {
    image: string;
    size: number;
    sha256: string;
    partitionOffset: number;
    datastore: string;
    states: Array<{ id: string; path: string; sha256: string }>;
    /** Thin bases in the volume: which 1 MiB file blocks debugvmfs finds allocated. */
    thin: Array<{ path: string; blocks: number; dataBlocks: number[]; holeBlocks: number; oracle: string }>;
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
