/**
 * An open VMFS-3/5/6 volume: bootstrap of the system files, file descriptors,
 * path resolution, directories (vmfs-format.md §5, §8, §10, §11). What differs
 * between the versions is asked of `format` (versions/), chosen at open.
 */
import { findEntry } from './entry-index.js';
import path from 'node:path';
import type { BlockDevice } from '../device/block-device.js';
import { Lru } from '../device/lru.js';
import type { Resolver } from '../device/resolver.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import { findVmfsPartition, type Layout } from '../partition/index.js';
import { ADDR, addrType, fdClusterResource, hex } from './address.js';
import { readDescriptor, type FsDescriptor } from './descriptor.js';
import type { DirEntry } from './directory.js';
import { FD_TYPE, parseFd, ZLA, ZLA_NAMES, type Fd } from './fd.js';
import { VmfsFile, type FileContext } from './file.js';
import type { VmfsFileType, VmfsOpenOptions, VmfsStat, VmfsVolume } from './index.js';
import { assembleVolume, readLvmDevice, type LogicalVolume, type LvmDevice } from './lvm.js';
import { liveHeartbeats, type LiveHeartbeat } from './heartbeat.js';
import { Resource } from './resource.js';
import { freeSpaceView, type FreeSpace } from './free-space.js';
import { VmfsResolver } from './vmfs-resolver.js';
import { formatOf, type VmfsFormat } from './versions/index.js';

export const ROOT_FD = 0x00000004;

/** 1 MiB of .fdc.sf and, per file block in it, volume offset minus file offset (null: no volume offset; undefined: ask the block map). */
interface FdWindow {
  buf: Buffer;
  start: number;
  unit: number;
  first: number;
  deltas: Array<number | null | undefined>;
}

function whereOf(w: ErrorWhere | (() => ErrorWhere)): ErrorWhere {
  return typeof w === 'function' ? w() : w;
}
/** The system files the reader opens (their FDC cluster 0 resources are the format's, §5.1). */
type SystemName = 'fbb' | 'fdc' | 'pbc' | 'sbc' | 'pb2';
/** Symlinks followed while resolving one path (Linux uses 40). */
const MAX_SYMLINKS = 40;
const MAX_PATH_COMPONENTS = 4096;
const S_IFDIR = 0o040000;
const FDC_WINDOW = 1 << 20;
/** Windows read in one go ahead of a listing (8 MiB = 4096 FDs). */
const PREFETCH_WINDOWS = 8;
/** A window spanning more file blocks than this decodes its FDs through the block map one by one. */
const MAX_WINDOW_BLOCKS = 64;
/** For a bounds check whose failure is not reported (it is redone, with coordinates, in order). */
const NO_WHERE = (): ErrorWhere => ({ file: '' });
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export class Vmfs implements VmfsVolume, FileContext {
  readonly label: string;
  readonly uuid: string;
  readonly blockSize: number;
  readonly volume: BlockDevice;
  readonly format: VmfsFormat;
  private readonly fdWindows = new Lru<number, FdWindow>(32);
  private readonly fds = new Lru<number, Fd>(4096);
  private readonly pbs: Lru<number, Uint32Array>;
  private readonly dirs = new Lru<number, DirEntry[]>(256);
  private readonly resources = new Map<SystemName, Promise<Resource>>();
  private readonly opening = new Set<SystemName>();

  private constructor(
    readonly address: string,
    readonly desc: FsDescriptor,
    readonly lv: LogicalVolume | null,
    volume: BlockDevice,
    readonly layout: Layout,
    private readonly hostFile: string,
    private readonly hostStart: number,
    private readonly owned: BlockDevice[],
  ) {
    this.volume = volume;
    this.label = desc.label;
    this.uuid = desc.uuid;
    this.blockSize = desc.blockSize;
    this.format = formatOf(desc);
    this.pbs = new Lru(this.format.pbCacheEntries);
  }

  static async open(lun: BlockDevice, address: string, opts: VmfsOpenOptions): Promise<Vmfs> {
    const { device, layout, chosen } = await findVmfsPartition(lun, opts.partition, opts.sectorSize);
    const hostStart = chosen.entry?.start ?? 0;
    let lv: LogicalVolume | null = null;
    let volume: BlockDevice = device;
    if (chosen.content === 'lvm') {
      const members: LvmDevice[] = [await readLvmDevice(device, hostStart)];
      for (const ext of opts.extents ?? []) {
        const found = await findVmfsPartition(ext, undefined, opts.sectorSize);
        members.push(await readLvmDevice(found.device, found.chosen.entry?.start ?? 0));
      }
      lv = assembleVolume(members, `${address}(volume)`);
      volume = lv.device;
    }
    const at = (off: number) => lv?.hostOffset(off) ?? { file: lun.name, offset: hostStart + off };
    const desc = await readDescriptor(volume, at);
    const v = new Vmfs(address, desc, lv, volume, layout, lun.name, hostStart, [lun, ...(opts.extents ?? [])]);
    await v.bootstrap();
    return v;
  }

  at(volumeOffset: number, structure: string): ErrorWhere {
    const h = this.lv?.hostOffset(volumeOffset) ?? { file: this.hostFile, offset: this.hostStart + volumeOffset };
    return { file: h.file, structure, offset: h.offset };
  }

  // ---- system files -------------------------------------------------------

  /** Volume offset of a system FD, by the format's cluster-0 formula (§5.2). */
  private systemFdOffset(name: SystemName): number {
    return this.format.systemFdOffset(this.format.systemFiles[name]!);
  }

  private async readFdAt(volOff: number, expected: number, what: string): Promise<Fd> {
    const g = this.format.fd;
    if (volOff + g.size > this.volume.size) throw new VmfskitError('CORRUPT', `FD ${hex(expected)} would lie beyond the volume (${this.volume.size} bytes)`, this.at(volOff, what));
    const buf = Buffer.alloc(g.size);
    await this.volume.read(buf, volOff);
    const fd = parseFd(g, buf, volOff);
    if (fd.address !== expected) throw new VmfskitError('CORRUPT', `FD says it is ${hex(fd.address)}, expected ${hex(expected)}`, this.at(volOff + g.meta, what));
    return fd;
  }

  private async systemFd(name: SystemName): Promise<Fd> {
    const r = this.format.systemFiles[name]!;
    const addr = (r << 22) | ADDR.FD;
    const off = this.format.systemFdOffset(r);
    const fd = await this.readFdAt(off, addr, `system file descriptor .${name}.sf`);
    if (fd.type !== FD_TYPE.SYSTEM) throw new VmfskitError('CORRUPT', `type ${fd.type}, expected ${FD_TYPE.SYSTEM}`, this.at(off + this.format.fd.meta + 0x0c, `FD ${hex(addr)}`));
    return fd;
  }

  private async bootstrap(): Promise<void> {
    // §5.2 open order: what the format learns from .fbb.sf (VMFS-6: SFBs per cluster) comes before .fdc.sf.
    if (this.format.learnFromFbb) {
      const fbb = await this.systemFd('fbb');
      await this.format.learnFromFbb(new VmfsFile(this, fbb, `${this.address}/.fbb.sf`), () => this.at(fbb.volumeOffset, '.fbb.sf SFB-level header'));
    }
    await this.resource('fdc');
    const root = await this.fd(ROOT_FD, this.at(0, 'root directory'));
    if (root.type !== FD_TYPE.DIR) throw new VmfskitError('CORRUPT', `root FD has type ${root.type}, not a directory`, this.at(root.volumeOffset + this.format.fd.meta + 0x0c, 'root FD'));
  }

  /** A resource file, opened once; a resource that needs itself to be read is corrupt. */
  resource(name: SystemName): Promise<Resource> {
    let p = this.resources.get(name);
    if (p) return p;
    if (this.opening.has(name)) {
      return Promise.reject(new VmfskitError('CORRUPT', `.${name}.sf is addressed through itself`, this.at(this.systemFdOffset(name), `.${name}.sf FD`)));
    }
    if (name === 'pb2' && !this.format.hasPb2) {
      return Promise.reject(new VmfskitError('CORRUPT', 'a PB2 address on a VMFS-3 volume, which has no .pb2.sf', this.at(0, 'pointer block')));
    }
    this.opening.add(name);
    p = (async () => {
      try {
        const fd = await this.systemFd(name);
        const file = new VmfsFile(this, fd, `${this.address}/.${name}.sf`);
        return await Resource.open(`.${name}.sf`, file, this.at(fd.volumeOffset, `.${name}.sf`), this.format.clusterHeader);
      } finally {
        this.opening.delete(name);
      }
    })();
    this.resources.set(name, p);
    return p;
  }

  subBlocks(): Promise<Resource> {
    return this.resource('sbc');
  }

  /** A pointer block (§9.2) from `.pbc.sf` (PB), `.pb2.sf` (PB2) or, on VMFS-6, a 64 KiB sub-block (SB): by the address's type. */
  async pointerBlock(lo: number, hi: number, whereOf: () => ErrorWhere): Promise<Uint32Array> {
    const f = this.format;
    const type = lo & 7;
    const cluster = f.cluster(lo, hi);
    const resource = f.resource(lo, hi);
    // Unique per (type, cluster, resource): VMFS-6 clusters have 36 bits, resources 8 (< 2^53).
    return this.pbs.getOrLoad((cluster * 256 + resource) * 8 + type, async () => {
      const where = whereOf();
      const res = await this.resource(type === ADDR.PB2 ? 'pb2' : type === ADDR.SB ? 'sbc' : 'pbc');
      const words = f.pbEntries * f.addressWords;
      const what = type === ADDR.SB ? 'sub-blocks used as pointer blocks' : 'pointer blocks';
      if (res.h.resourceSize !== words * 4) throw new VmfskitError('CORRUPT', `${what} are ${res.h.resourceSize} bytes, expected ${words * 4}`, where);
      const buf = Buffer.alloc(words * 4);
      await res.read(cluster, resource, buf, { ...where, structure: `${where.structure} (pointer block ${f.hex(lo, hi)})` });
      return new Uint32Array(buf.buffer, buf.byteOffset, words).slice();
    });
  }

  // ---- file descriptors ---------------------------------------------------

  /** The FD with address `address`, read from `.fdc.sf` (checked to name itself). */
  async fd(address: number, from: ErrorWhere | (() => ErrorWhere)): Promise<Fd> {
    if (addrType(address) !== ADDR.FD) throw new VmfskitError('CORRUPT', `${hex(address)} is not an FD address`, whereOf(from));
    return this.fds.getOrLoad(address, async () => {
      const fdc = await this.resource('fdc');
      const off = this.fdOffset(fdc, address, from);
      const w = Math.floor(off / FDC_WINDOW);
      const win = await this.fdWindows.getOrLoad(w, async () => (await this.readFdWindows(fdc, w, 1))[0]!);
      const fd = this.fdInWindow(win, off, address, from);
      if (fd) return fd;
      const volOff = (await (fdc.file as VmfsFile).volumeOffsetOf(off)) ?? 0;
      const rel = off - win.start;
      return this.checkFd(parseFd(this.format.fd, win.buf.subarray(rel, rel + this.format.fd.size), volOff), address, volOff, from);
    });
  }

  /** File offset of an FD in `.fdc.sf` (checked against the resource header). */
  private fdOffset(fdc: Resource, address: number, from: ErrorWhere | (() => ErrorWhere)): number {
    const size = this.format.fd.size;
    if (fdc.h.resourceSize !== size) throw new VmfskitError('CORRUPT', `file descriptors are ${fdc.h.resourceSize} bytes, expected ${size}`, this.at(0, '.fdc.sf resource header'));
    const { cluster, resource } = fdClusterResource(address);
    return fdc.offsetOf(cluster, resource, () => {
      const f = whereOf(from);
      return { ...f, structure: `${f.structure} (FD ${hex(address)})` };
    });
  }

  private checkFd(fd: Fd, address: number, volOff: number, from: ErrorWhere | (() => ErrorWhere)): Fd {
    if (fd.address !== address) {
      throw new VmfskitError('CORRUPT', `FD ${hex(address)} is not in use (its slot says ${hex(fd.address)})`, { ...this.at(volOff + this.format.fd.meta, `FD ${hex(address)}`), structure: `${whereOf(from).structure} → FD ${hex(address)}` });
    }
    return fd;
  }

  /** The FD at file offset `off` decoded from a cached window, or undefined when its volume offset must be asked of the block map. */
  private fdInWindow(win: FdWindow, off: number, address: number, from: ErrorWhere | (() => ErrorWhere), copy = true): Fd | undefined {
    const delta = win.deltas[Math.floor(off / win.unit) - win.first];
    if (delta === undefined) return undefined;
    const volOff = delta === null ? 0 : off + delta;
    const rel = off - win.start;
    return this.checkFd(parseFd(this.format.fd, win.buf, volOff, copy, rel), address, volOff, from);
  }

  /**
   * `count` consecutive windows of .fdc.sf from window `w`, in one read (listings
   * touch neighbouring FDs), each with where its FD blocks sit on the volume so
   * that FDs decode without a block-map walk each.
   */
  private async readFdWindows(fdc: Resource, w: number, count: number): Promise<FdWindow[]> {
    const file = fdc.file as VmfsFile;
    const start = w * FDC_WINDOW;
    const all = Buffer.allocUnsafe(Math.min(count * FDC_WINDOW, file.size - start));
    await file.read(all, start);
    const out: FdWindow[] = [];
    for (let s = 0; s < all.length; s += FDC_WINDOW) {
      const buf = all.subarray(s, Math.min(s + FDC_WINDOW, all.length));
      const ws = start + s;
      const first = Math.floor(ws / file.unit);
      const last = Math.floor((ws + buf.length - 1) / file.unit);
      const deltas: Array<number | null | undefined> = [];
      // The FD size (2048, or 2 × mdAlignment ≤ 128 KiB) divides the window and the unit (≥ 64 KiB here), so no
      // FD straddles two windows or two blocks.
      if (last - first < MAX_WINDOW_BLOCKS) {
        for (let n = first; n <= last; n++) {
          let d: number | null | undefined;
          try {
            const at = await file.blockVolumeOffset(n);
            d = at === null || at === undefined ? at : at - n * file.unit;
          } catch {
            d = undefined; // the FDs of this block raise the error themselves, in order
          }
          deltas.push(d);
        }
      }
      out.push({ buf, start: ws, unit: file.unit, first, deltas });
    }
    return out;
  }

  /** Read ahead, in one go, the run of uncached windows from `w` that the FDs at `offs[i…]` need. */
  private async prefetchFdWindows(fdc: Resource, offs: number[], i: number, w: number): Promise<void> {
    const needed = new Set<number>();
    for (let j = i; j < offs.length && needed.size < 4 * PREFETCH_WINDOWS; j++) if (offs[j]! >= 0) needed.add(Math.floor(offs[j]! / FDC_WINDOW));
    let count = 1;
    while (count < PREFETCH_WINDOWS && needed.has(w + count) && this.fdWindows.get(w + count) === undefined) count++;
    try {
      const wins = await this.readFdWindows(fdc, w, count);
      wins.forEach((win, k) => this.fdWindows.set(w + k, win));
    } catch {
      // The FD's own read below raises the error as it always did.
    }
  }

  private fileOf(fd: Fd, p: string): VmfsFile {
    return new VmfsFile(this, fd, `${this.address}${p}`);
  }

  private async entries(dir: Fd, p: string): Promise<DirEntry[]> {
    return this.dirs.getOrLoad(dir.address, async () => {
      const file = this.fileOf(dir, p);
      const g = this.format.fd;
      const volumeOffsetOf = async (off: number) => (await file.volumeOffsetOf(off)) ?? (dir.zla === ZLA.RESIDENT ? dir.volumeOffset + g.data + off : dir.volumeOffset);
      const entries = await this.format.readDirectory(file, {
        lengthWhere: () => this.at(dir.volumeOffset + g.meta + 0x14, `directory ${p} (FD ${hex(dir.address)}) length`),
        where: async (off, structure) => this.at(await volumeOffsetOf(off), `directory ${p} ${structure}`),
      });
      // Where each entry sits on disk, for error messages: one block lookup per directory block.
      const blockStart = new Map<number, number>();
      for (const e of entries) {
        const n = Math.floor(e.offset / file.unit);
        if (!blockStart.has(n)) blockStart.set(n, await volumeOffsetOf(n * file.unit));
        e.volumeOffset = blockStart.get(n)! + (e.offset - n * file.unit);
      }
      return entries;
    });
  }

  // ---- paths -------------------------------------------------------------

  /**
   * Walk `p` from the root. Intermediate symlinks are always followed; the
   * last one only when `followLast`. Returns the FD and the canonical path.
   */
  private async resolve(p: string, followLast: boolean): Promise<{ fd: Fd; path: string }> {
    const todo = splitPath(p);
    const stack: Array<{ fd: Fd; name: string }> = [];
    let cur = await this.fd(ROOT_FD, this.at(0, 'root directory'));
    let links = 0;
    let steps = 0;
    while (todo.length > 0) {
      if (++steps > MAX_PATH_COMPONENTS) throw new VmfskitError('CORRUPT', 'path resolution does not end (directory loop)', { file: this.address + p });
      const name = todo.shift()!;
      const here = '/' + stack.map((s) => s.name).join('/');
      if (!isDir(cur)) throw new VmfskitError('NOT_FOUND', `${here} is not a directory`, { file: this.address + p });
      if (name === '..') {
        const up = stack.pop();
        if (up) cur = stack.length ? stack[stack.length - 1]!.fd : await this.fd(ROOT_FD, this.at(0, 'root directory'));
        continue;
      }
      const e = findEntry(await this.entries(cur, here), name);
      if (!e) throw new VmfskitError('NOT_FOUND', `no such file or directory`, { file: this.address + joinPath(here, name) });
      const where = this.at(e.volumeOffset, `directory ${here} entry '${name}'`);
      const fd = await this.fd(e.fdAddress, where);
      if (fd.type === FD_TYPE.SYMLINK && (todo.length > 0 || followLast)) {
        if (++links > MAX_SYMLINKS) throw new VmfskitError('CORRUPT', `more than ${MAX_SYMLINKS} symbolic links (a loop?)`, { file: this.address + p });
        const target = await this.linkText(fd, joinPath(here, name));
        const mapped = this.mapVolumePath(target);
        if (mapped === null) throw new VmfskitError('NOT_FOUND', `symbolic link to '${target}', outside this volume`, { file: this.address + joinPath(here, name) });
        todo.unshift(...splitPath(mapped));
        if (mapped.startsWith('/')) {
          stack.length = 0;
          cur = await this.fd(ROOT_FD, this.at(0, 'root directory'));
        }
        continue;
      }
      stack.push({ fd, name });
      cur = fd;
    }
    return { fd: cur, path: '/' + stack.map((s) => s.name).join('/') };
  }

  /** A path inside this volume for an ESXi path `/vmfs/volumes/<uuid|label>/…`, a relative path as is, else null. */
  mapVolumePath(target: string): string | null {
    if (!target.startsWith('/')) return target;
    const m = /^\/vmfs\/volumes\/([^/]+)(\/.*)?$/.exec(target);
    if (!m) return null;
    if (m[1] !== this.uuid && m[1] !== this.label) return null;
    return m[2] ?? '/';
  }

  private async linkText(fd: Fd, p: string): Promise<string> {
    if (fd.length > 4096) throw new VmfskitError('CORRUPT', `symbolic link target of ${fd.length} bytes`, this.at(fd.volumeOffset + 512 + 0x14, `symlink ${p} length`));
    const buf = Buffer.alloc(fd.length);
    await this.fileOf(fd, p).read(buf, 0);
    return buf.toString('utf8');
  }

  private async statOf(fd: Fd, p: string): Promise<VmfsStat> {
    const st = this.statOfSync(fd, p);
    if (st.type === 'symlink') st.symlinkTarget = await this.linkText(fd, p);
    return st;
  }

  /** `stat` without a symlink's target (which needs a read); `name` when the caller knows the last component. */
  private statOfSync(fd: Fd, p: string, name?: string): VmfsStat {
    return new Stat(fd, p, name ?? (p === '/' ? '/' : path.posix.basename(p)), this.hostOffsetOf);
  }

  /** For `stat` details; one function for every Stat of the volume. */
  private readonly hostOffsetOf = (volumeOffset: number): number | undefined => this.at(volumeOffset, '').offset;

  // ---- VmfsVolume --------------------------------------------------------

  async stat(p: string): Promise<VmfsStat> {
    const r = await this.resolve(p, false);
    return this.statOf(r.fd, r.path);
  }

  /** `stat` plus the per-block census (holes, to-be-zeroed, data). */
  async statDetailed(p: string): Promise<VmfsStat> {
    const r = await this.resolve(p, false);
    const st = await this.statOf(r.fd, r.path);
    if (st.type === 'file' || st.type === 'dir' || st.type === 'system' || st.type === 'symlink') {
      const c = await this.fileOf(r.fd, r.path).blockCounts();
      if (c) Object.assign(st.details!, { dataBlocks: c.data, subBlocks: c.sub, holeBlocks: c.holes, tbzBlocksMapped: c.tbz });
    }
    return st;
  }

  async readdir(p: string, visit?: (st: VmfsStat) => void): Promise<VmfsStat[]> {
    const r = await this.resolve(p, true);
    if (!isDir(r.fd)) throw new VmfskitError('NOT_FOUND', 'not a directory', { file: this.address + r.path });
    const entries = await this.entries(r.fd, r.path);
    const fdc = await this.resource('fdc');
    // Where each FD is in .fdc.sf, up to the first entry that is bad (its error is raised in order, below).
    const offs = new Array<number>(entries.length).fill(-1);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.name === '.' || e.name === '..') continue;
      if (addrType(e.fdAddress) !== ADDR.FD) break;
      try {
        offs[i] = this.fdOffset(fdc, e.fdAddress, NO_WHERE);
      } catch {
        break;
      }
    }
    const out: VmfsStat[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.name === '.' || e.name === '..') continue;
      const where = () => this.at(e.volumeOffset, `directory ${r.path} entry '${e.name}'`);
      let fd = this.fds.get(e.fdAddress);
      const off = offs[i]!;
      if (fd === undefined && off >= 0) {
        const w = Math.floor(off / FDC_WINDOW);
        let win = this.fdWindows.get(w);
        if (win === undefined) {
          await this.prefetchFdWindows(fdc, offs, i, w);
          win = this.fdWindows.get(w);
        }
        // Not cached, and its data left a view: it is dropped once its line is made (path lookups cache their own FDs).
        if (win !== undefined) fd = this.fdInWindow(win, off, e.fdAddress, where, false);
      }
      fd ??= await this.fd(e.fdAddress, where);
      const path = joinPath(r.path, e.name);
      const st = fd.type === FD_TYPE.SYMLINK ? await this.statOf(fd, path) : this.statOfSync(fd, path, e.name !== '' && !e.name.includes('/') ? e.name : undefined);
      if (visit) visit(st);
      else out.push(st);
    }
    return out;
  }

  async readlink(p: string): Promise<string> {
    const r = await this.resolve(p, false);
    if (r.fd.type !== FD_TYPE.SYMLINK) throw new VmfskitError('USAGE', 'not a symbolic link', { file: this.address + r.path });
    return this.linkText(r.fd, r.path);
  }

  async openFile(p: string): Promise<VmfsFile> {
    const r = await this.resolve(p, true);
    if (r.fd.type === FD_TYPE.RDM) {
      const d = rdmDetails(r.fd);
      throw new VmfskitError('UNSUPPORTED', `a raw device mapping (RDM) to LUN ${d.rdmLun} ${d.rdmVendor} ${d.rdmModel}: its data is on that LUN, not in this volume`, { file: this.address + r.path });
    }
    if (isDir(r.fd)) throw new VmfskitError('OPEN', 'is a directory', { file: this.address + r.path });
    return this.fileOf(r.fd, r.path);
  }

  /** Identity of a path for loop detection: the FD address. */
  async identity(p: string): Promise<string> {
    const r = await this.resolve(p, true);
    return `vmfs:${this.uuid}:${hex(r.fd.address)}`;
  }

  resolver(dirPath: string): Resolver {
    return new VmfsResolver(this, dirPath);
  }

  info(): Record<string, unknown> {
    const d = this.desc;
    return {
      format: 'vmfs',
      address: this.address,
      label: d.label,
      uuid: d.uuid,
      version: d.version,
      'fs-version': this.format.displayVersion,
      'block-size': d.blockSize,
      'sub-block-size': d.subBlockSize,
      ...this.format.describe(),
      'volume-size': this.volume.size,
      created: new Date(d.createdS * 1000).toISOString(),
      config: d.config,
      'partition-table': this.layout.table ? { scheme: this.layout.table.scheme, 'sector-size': this.layout.table.sectorSize, 'sector-size-from': this.layout.table.sectorSizeHow, partitions: this.layout.table.partitions, warnings: this.layout.table.warnings } : null,
      lvm: this.lv
        ? {
            devices: this.lv.members.map((m) => ({
              file: m.device.name,
              'partition-offset': m.hostStart,
              version: `${m.header.major}.${m.header.minor}`,
              uuid: m.header.uuid,
              'scsi-id': m.header.scsiId,
              'device-names': m.memberNames,
              'volume-uuid': m.volume.lvUuid,
              'volume-name': m.volume.name,
              'device-count': m.volume.deviceCount,
            })),
            extents: this.lv.segments.map((s) => ({ file: s.member.device.name, logical: s.logical, length: s.length, 'physical-offset': s.physical, 'host-offset': s.member.hostStart + s.physical })),
          }
        : null,
    };
  }

  /** Hosts that had the volume mounted when it was imaged (live heartbeats, §13). */
  heartbeats(): Promise<LiveHeartbeat[]> {
    return liveHeartbeats(this.volume, this.format.heartbeatSlot, this.format.heartbeatSlots);
  }

  /** Used and free file blocks from `.fbb.sf`'s cluster metadata (like `debugvmfs df`); null where the format's is not known. */
  async usage(): Promise<{ blocks: number; free: number; used: number; 'block-size': number } | null> {
    const fbb = await this.resource('fbb');
    const u = await this.format.usage(fbb);
    return u && { blocks: u.total, free: u.free, used: u.total - u.free, 'block-size': this.blockSize };
  }

  /** The blocks `.fbb.sf` marks free, as one view with its map back to the volume (free-space.ts). */
  async freeSpace(): Promise<FreeSpace> {
    const m = await (await this.resource('fbb')).freeMap();
    return freeSpaceView(this.volume, this.blockSize, m.free, m.unreadable, (off) => this.at(off, 'free block'));
  }

  hostDevices(): readonly BlockDevice[] {
    return this.owned;
  }

  async close(): Promise<void> {
    for (const d of this.owned) await d.close();
  }
}

/**
 * A VmfsStat whose details are built when first read (stat, --json): a long listing of a big
 * folder needs none of them. A class with the getter on its prototype, not an object literal with
 * its own getter: V8 builds such literals on its slow path (~2 us each, 20 ms for 10 000 entries).
 */
class Stat implements VmfsStat {
  // Own fields in the order the object literal had them (spreads and key listings see the same).
  readonly name: string;
  readonly path: string;
  readonly type: VmfsFileType;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly allocated: number;
  readonly mtime: number;
  readonly atime: number;
  readonly ctime: number;
  readonly fdAddress: number;
  declare symlinkTarget?: string;
  readonly #fd: Fd;
  readonly #hostOffset: (volumeOffset: number) => number | undefined;
  #details?: NonNullable<VmfsStat['details']>;

  constructor(fd: Fd, path: string, name: string, hostOffset: (volumeOffset: number) => number | undefined) {
    const type = fileType(fd);
    this.name = name;
    this.path = path;
    this.type = type;
    this.mode = (fd.mode & 0o7777) | (type === 'dir' ? S_IFDIR : type === 'symlink' ? S_IFLNK : S_IFREG);
    this.nlink = fd.links;
    this.uid = fd.uid;
    this.gid = fd.gid;
    this.size = fd.length;
    this.allocated = fd.zla === ZLA.RESIDENT ? 0 : fd.blockCount * fd.blockSize;
    this.mtime = fd.mtime;
    this.atime = fd.atime;
    this.ctime = fd.ctime;
    this.fdAddress = fd.address;
    this.#fd = fd;
    this.#hostOffset = hostOffset;
  }

  get details(): NonNullable<VmfsStat['details']> {
    const fd = this.#fd;
    this.#details ??= {
      fdType: fd.type,
      generation: fd.generation,
      flags: fd.flags,
      zla: fd.zla,
      addressing: ZLA_NAMES[fd.zla] ?? `unknown (${fd.zla})`,
      blockSize: fd.blockSize,
      blockCount: fd.blockCount,
      tbzBlocks: fd.tbz,
      cowBlocks: fd.cow,
      pointerBlocks: fd.pointerBlocks,
      fdVolumeOffset: fd.volumeOffset,
      fdHostOffset: this.#hostOffset(fd.volumeOffset),
      ...(this.type === 'rdm' ? rdmDetails(fd) : {}),
    };
    return this.#details;
  }

  set details(d: NonNullable<VmfsStat['details']>) {
    this.#details = d;
  }
}

function isDir(fd: Fd): boolean {
  return fd.type === FD_TYPE.DIR || (fd.type === FD_TYPE.SYSTEM && (fd.mode & 0o170000) === S_IFDIR);
}

function fileType(fd: Fd): VmfsFileType {
  if (isDir(fd)) return 'dir';
  switch (fd.type) {
    case FD_TYPE.FILE:
      return 'file';
    case FD_TYPE.SYMLINK:
      return 'symlink';
    case FD_TYPE.SYSTEM:
      return 'system';
    case FD_TYPE.RDM:
      return 'rdm';
    default:
      return 'other';
  }
}

/** The mapped LUN's SCSI id in an RDM's data area (same shape as the LVM header's, §8.3). */
function rdmDetails(fd: Fd): { rdmLun: number; rdmVendor: string; rdmModel: string; rdmId: string } {
  const d = fd.data;
  const str = (a: number, n: number) => d.toString('latin1', a, a + n).replace(/\0.*$/s, '').trim();
  return { rdmLun: d.readUInt16LE(2), rdmVendor: str(6, 8), rdmModel: str(14, 16), rdmId: str(34, 44) };
}

export function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
