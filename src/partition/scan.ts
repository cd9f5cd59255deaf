/**
 * `partitions --scan`: partitions of a disk whose table is damaged or
 * encrypted, from what survives — the backup GPT at the end of the disk, then
 * file-system signatures and their backups (issue 13 part 2):
 *
 * - at every 1 MiB boundary (where every partitioning tool of the last 15
 *   years starts partitions, and where the backups below land for such
 *   partitions), plus sectors 63 and 128 (DOS and ESX 3 alignment): the head
 *   signatures of fs-probe.ts; a FAT32 backup boot sector at sector 6; ext
 *   superblocks at 0 and +1024 — a backup copy names its block group, so the
 *   partition start is computed back from it;
 * - in the sector before each boundary and in every sector of the disk's
 *   last MiB: NTFS backup boot sectors (the partition's last sector; its
 *   start is the backup's offset minus the volume size it records).
 *
 * Work is bounded and linear: one 12 KiB read per MiB of disk plus one read
 * of the last MiB, none where the disk's map says zeros. Each candidate says
 * how it was found and what contradicts it (overlaps, past the end, a
 * backup GPT entry that disagrees, a destroyed primary).
 */
import type { BlockDevice } from '../device/block-device.js';
import { extSuper, fatBoot, identifyHead, ntfsBoot, probeVmfs, type FsFound } from './fs-probe.js';
import { readBackupGpt } from './gpt.js';
import { extBackupOffset } from './repair.js';
import { SECTOR_SIZES, type SectorSize } from './types.js';

const MiB = 1 << 20;
const BEFORE = 4096;
const AFTER = 8192;
/** Where zeros are known the probes are skipped: the map is asked in windows of this size. */
const MAP_WINDOW = 1 << 30;

export interface Candidate {
  /** 1-based, in start order: what `#pN` means on a disk without a readable table. */
  number: number;
  start: number;
  /** Bytes, from the file system (or the backup GPT entry when nothing else says). */
  size?: number;
  fs?: string;
  label?: string;
  id?: string;
  /** The backup GPT entry that describes it, when one does. */
  gpt?: { index: number; type: string; typeName?: string; name?: string; start: number; size: number };
  /** How it was found, one line each. */
  found: string[];
  /** What speaks against it, one line each (empty: nothing). */
  contradicts: string[];
  /** The primary boot sector/superblock is gone but a backup was found: open it as `#pN:repaired`. */
  primaryDestroyed?: boolean;
}

export interface ScanResult {
  size: number;
  /** Places probed (reads made), to show the work was bounded. */
  probes: number;
  candidates: Candidate[];
  backupGpt?: { lba: number; sectorSize: number };
}

interface Hit {
  start: number;
  fs: FsFound;
  how: string;
  /** Found from a backup copy (not the primary structure at the start). */
  backup: boolean;
}

const family = (fs: string) => fs.replace(/^(ext)[234]$/, '$1');

async function readClipped(dev: BlockDevice, offset: number, n: number): Promise<{ buf: Buffer; at: number }> {
  const at = Math.max(0, offset);
  const len = Math.max(0, Math.min(offset + n, dev.size) - at);
  const buf = Buffer.alloc(len);
  if (len) await dev.read(buf, at);
  return { buf, at };
}

/** The probe offsets that are not inside a known-zero run. */
async function probeOffsets(dev: BlockDevice): Promise<number[]> {
  const wanted = new Set<number>([63 * 512, 128 * 512]);
  for (let k = 0; k * MiB < dev.size; k++) wanted.add(k * MiB);
  const sorted = [...wanted].filter((o) => o < dev.size).sort((a, b) => a - b);
  const out: number[] = [];
  let i = 0;
  for (let w = 0; w < dev.size && i < sorted.length; w += MAP_WINDOW) {
    const runs = await dev.map(w, MAP_WINDOW);
    for (const r of runs) {
      for (; i < sorted.length && sorted[i]! < r.offset + r.length; i++) {
        const o = sorted[i]!;
        // Zero on both sides of the boundary: nothing to find (the NTFS backup sits just before it).
        if (r.kind === 'zero' && o - BEFORE >= r.offset && o + AFTER <= r.offset + r.length) continue;
        out.push(o);
      }
    }
  }
  return out;
}

function hitsIn(buf: Buffer, bufAt: number, boundary: number): Hit[] {
  const hits: Hit[] = [];
  const rel = boundary - bufAt;
  const head = rel >= 0 && rel + 4096 <= buf.length ? buf.subarray(rel) : null;
  if (head) {
    const fs = identifyHead(head);
    if (fs && !(fs.copyOf ?? 0)) hits.push({ start: boundary, fs, how: `${fs.fs} ${fs.fs.startsWith('ext') ? 'primary superblock' : 'signature'} at byte ${boundary}`, backup: false });
    const fat = fatBoot(head, 6 * 512);
    if (fat?.fs === 'FAT32') hits.push({ start: boundary, fs: fat, how: `FAT32 backup boot sector (sector 6) at byte ${boundary + 3072}`, backup: true });
    for (const off of [0, 1024]) {
      const sb = extSuper(head, off);
      if (!sb || !sb.copyOf) continue;
      const at = boundary + off;
      const start = at - extBackupOffset(sb.copyOf, sb.blocksPerGroup, sb.blockSize);
      if (start >= 0) hits.push({ start, fs: sb, how: `${sb.fs} backup superblock of group ${sb.copyOf} at byte ${at}`, backup: true });
    }
  }
  for (const bps of [512, 4096]) {
    const r = boundary - bps - bufAt;
    if (r < 0 || r + 512 > buf.length) continue;
    const nt = ntfsBoot(buf, r);
    if (nt && nt.size && bytesPerSector(buf, r) === bps) {
      const start = boundary - nt.size;
      if (start >= 0) hits.push({ start, fs: nt, how: `NTFS backup boot sector at byte ${boundary - bps}`, backup: true });
    }
  }
  return hits;
}

const bytesPerSector = (b: Buffer, at: number) => b.readUInt16LE(at + 11);

/** NTFS backup boot sectors anywhere in the disk's last MiB (a partition that ends near the end, unaligned). */
async function tailHits(dev: BlockDevice): Promise<{ hits: Hit[]; probes: number }> {
  const { buf, at } = await readClipped(dev, dev.size - MiB, MiB);
  const hits: Hit[] = [];
  for (let r = 0; r + 512 <= buf.length; r += 512) {
    const nt = ntfsBoot(buf, r);
    if (!nt?.size) continue;
    const bps = bytesPerSector(buf, r);
    const start = at + r + bps - nt.size;
    if (start >= 0) hits.push({ start, fs: nt, how: `NTFS backup boot sector at byte ${at + r}`, backup: true });
  }
  return { hits, probes: 1 };
}

/** `onProgress(byte offset reached)`: called after each probe (the CLI draws its progress line from it). */
export async function scanDisk(dev: BlockDevice, sectorSize?: SectorSize, onProgress?: (done: number) => void): Promise<ScanResult> {
  const result: ScanResult = { size: dev.size, probes: 0, candidates: [] };
  const hits: Hit[] = [];
  const gptEntries: NonNullable<Candidate['gpt']>[] = [];
  for (const s of sectorSize ? [sectorSize] : SECTOR_SIZES) {
    result.probes++;
    const b = await readBackupGpt(dev, s);
    if (!b) continue;
    result.backupGpt = { lba: b.lba, sectorSize: s };
    for (const p of b.table.partitions) gptEntries.push({ index: p.index, type: p.type, typeName: p.typeName, name: p.name, start: p.start, size: p.size });
    break;
  }
  for (const o of await probeOffsets(dev)) {
    result.probes++;
    const { buf, at } = await readClipped(dev, o - BEFORE, BEFORE + AFTER);
    hits.push(...hitsIn(buf, at, o));
    onProgress?.(o);
    const vmfs = await probeVmfs(dev, o);
    if (vmfs && !vmfs.fs.startsWith('VMFS LVM device') ) hits.push({ start: o, fs: vmfs, how: `${vmfs.fs} FS descriptor for a volume starting at byte ${o}`, backup: false });
  }
  const tail = await tailHits(dev);
  result.probes += tail.probes;
  hits.push(...tail.hits);

  // XFS: every allocation group starts with a superblock copy that carries no AG number; one found a
  // whole number of AGs after a primary of the same file system (UUID) is that primary's copy.
  for (const h of hits) {
    if (h.fs.fs !== 'XFS' || h.backup || !h.fs.groupBytes) continue;
    const first = hits.find((o) => o !== h && o.fs.fs === 'XFS' && !o.backup && o.fs.id === h.fs.id && o.start < h.start && (h.start - o.start) % h.fs.groupBytes! === 0);
    if (first) Object.assign(h, { how: `XFS superblock copy of allocation group ${(h.start - first.start) / h.fs.groupBytes} at byte ${h.start}`, start: first.start, backup: true });
  }

  // One candidate per (start, file-system family); backup GPT entries join the one at their start.
  const byKey = new Map<string, Candidate & { primary: boolean; backupSeen: boolean }>();
  for (const h of hits) {
    const key = `${h.start}:${family(h.fs.fs)}`;
    let c = byKey.get(key);
    if (!c) byKey.set(key, (c = { number: 0, start: h.start, found: [], contradicts: [], primary: false, backupSeen: false }));
    if (!c.found.includes(h.how)) c.found.push(h.how);
    // The primary's facts win over a backup's (a backup may be older).
    if (!h.backup || !c.fs) Object.assign(c, { fs: h.fs.fs, size: h.fs.size ?? c.size, label: h.fs.label ?? c.label, id: h.fs.id ?? c.id });
    if (h.backup) c.backupSeen = true;
    else c.primary = true;
  }
  const list = [...byKey.values()];
  for (const g of gptEntries) {
    const how = `backup GPT header at LBA ${result.backupGpt!.lba} (${result.backupGpt!.sectorSize}-byte sectors), entry ${g.index}`;
    const same = list.filter((c) => c.start === g.start);
    if (same.length === 0) list.push({ number: 0, start: g.start, size: g.size, found: [how], contradicts: [], gpt: g, primary: false, backupSeen: false });
    for (const c of same) {
      c.gpt = g;
      c.found.push(how);
      if (c.size !== undefined && c.size > g.size) c.contradicts.push(`the backup GPT entry is ${g.size} bytes, the file system says ${c.size}`);
      c.size ??= g.size;
    }
  }
  list.sort((a, b) => a.start - b.start || (a.fs ?? '').localeCompare(b.fs ?? ''));
  list.forEach((c, i) => {
    c.number = i + 1;
    if (c.backupSeen && !c.primary && c.fs) {
      c.primaryDestroyed = true;
      c.contradicts.push(`no ${c.fs} ${c.fs.startsWith('ext') ? 'primary superblock' : 'boot sector'} at its start (destroyed or encrypted): read it as #p${c.number}:repaired`);
    }
    if (c.size !== undefined && c.start + c.size > dev.size) c.contradicts.push(`runs past the end of the disk (${dev.size} bytes) by ${c.start + c.size - dev.size} bytes`);
  });
  for (const a of list) {
    for (const b of list) {
      if (a === b || a.size === undefined) continue;
      if (b.start > a.start && b.start < a.start + a.size) {
        a.contradicts.push(`candidate ${b.number} (${b.fs ?? 'unknown'}) starts inside it, at byte ${b.start}`);
        b.contradicts.push(`lies inside candidate ${a.number} (${a.fs ?? 'unknown'}, bytes ${a.start}–${a.start + a.size - 1})`);
      } else if (b.start === a.start && b.number > a.number) {
        a.contradicts.push(`candidate ${b.number} (${b.fs ?? 'unknown'}) starts at the same byte`);
        b.contradicts.push(`candidate ${a.number} (${a.fs ?? 'unknown'}) starts at the same byte`);
      }
    }
  }
  result.candidates = list.map(({ primary: _p, backupSeen: _b, ...c }) => c);
  return result;
}
