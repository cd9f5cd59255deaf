/**
 * Turns a VMFS-6 Plan into bytes: LVM-6 metadata on each device, the FS
 * descriptor and 4 KiB heartbeats, the resource files (.fdc .sbc .pb2 .pbc
 * .jbc and both .fbb.sf levels) with their "rfmd" headers and cluster
 * headers, 8 KiB FDs, hashed directories, pointer blocks and file data.
 * Resource files are written piece by piece through their own block maps
 * (never as one buffer: .sbc.sf and .jbc.sf are hundreds of MiB of zeros).
 */
import { readPieces } from '../vmfs5/content.js';
import { rdmArea, stalePattern, type Identity, type VolumeSink } from '../vmfs5/emit.js';
import { uuidText } from '../vmfs5/geometry.js';
import {
  CLUSTER_BITMAP_OFFSET, CLUSTER_METADATA, DMCR, FDMD, FD_METADATA, FS_DESCRIPTOR, HEARTBEAT, LOCK_BLOCK, LVM_DEVICE_HEADER, LVM_PE_ENTRY,
  LVM_VOLUME_ENTRY, RESOURCE_HEADER, RFMD, encode,
} from './structs.js';
import {
  CLUSTER_GROUP_OFFSET, CLUSTER_HEADER, FD_ARRAY_OFFSET, FD_SIZE, FD_TYPE, FS_DESCRIPTOR_OFFSET, HEARTBEAT_OFFSET, HEARTBEAT_SLOTS, LFB,
  LFB_SHIFT, LOCK_MAGIC, LVM_DATA_OFFSET, LVM_HEADER_OFFSET, MD, MiB, PB_ADDRS, PB_SIZE, PE_SIZE, RESIDENT_OFFSET, RESOURCES, SFB,
  SFB_CHILD_OFFSET, SUB_BLOCK, ZLA, clusterGroupSize, clusterHeaderOffset, lfbAddress, pb2Address, resourceOffset, sbAddress,
  sfbAddress, sfbClusterHeaderOffset, type ResourceGeometry,
} from './geometry.js';
import { entryIndices, layoutDirectory, SYSTEM_KEYS, type Plan, type PlannedNode } from './plan.js';

export type { Identity, VolumeSink };

const LVM_MAGIC = 0xc001d00d;
const FS_MAGIC = 0x2fabf15e;
const FSL_MAGIC = 0x2fabf15f;
const FREE_HEARTBEAT = 0xabcdef01;
/** The sample's LVM 6.21, FS 24.82, config 0x6 (dense sub-blocks + 0x2); VMFS-L adds 0x800 (OSDATA, format §4). */
const LVM_VERSION = [6, 21] as const;
const FS_VERSION = [24, 82] as const;
const FS_CONFIG = 0x6;
const FS_CONFIG_OSDATA = 0x800;
/** LVM-6 places (format §2.2 with M = A = 4096, V = 1). */
const VOLUME_TABLE = LVM_HEADER_OFFSET + MD;
const SD_TABLE = VOLUME_TABLE + 512 + (1024 - 1) * 512 - 32 * 256;
const PE_BITMAP = SD_TABLE + 32 * 256;
const PE_TABLE = PE_BITMAP + Math.max(MD, 1024);

export function deviceSize(pes: number): number {
  return LVM_DATA_OFFSET + pes * PE_SIZE;
}

/** LVM header, volume table entry, SD table, PE bitmap and table of every device (format §2). */
function emitLvm(plan: Plan, id: Identity, sink: VolumeSink): void {
  const devices = plan.spec.devices ?? [{}];
  const totalPes = devices.reduce((s, d) => s + (d.pes ?? 1), 0);
  const us = BigInt(plan.spec.createTime) * 1_000_000n;
  let firstPe = 0;
  devices.forEach((dev, d) => {
    const pes = dev.pes ?? 1;
    const scsiId = dev.scsiId ?? `vmhba0:${2 + d}:0`;
    const hdr = Buffer.alloc(MD);
    encode(hdr, 0, LVM_DEVICE_HEADER, {
      magic: LVM_MAGIC, major: LVM_VERSION[0], minor: LVM_VERSION[1], scsiIdLength: scsiId.length, scsiId, diskBlockSize: 512,
      // ESXi records 1 MiB − 512 less than the partition (the [5] and [6] samples); kept as it writes it.
      deviceSize: (dev.partitionBytes ?? deviceSize(pes)) - 0xffe00,
      numVolumes: 1, numPeEntries: 1, lastPeIndex: 0, generation: 3, dataOffset: LVM_DATA_OFFSET, deviceUuid: id.deviceUuids[d]!,
      initTimeUs: Number(us) + 728_000, modTimeUs: Number(us) + 736_000, mdAlignment: MD, pesIn256MiB: pes, lvmFlags: plan.spec.vmfsL ? 1 : 0,
    });
    sink.writeDevice(d, LVM_HEADER_OFFSET, hdr);
    const vol = Buffer.alloc(0x200);
    encode(vol, 0, LVM_VOLUME_ENTRY, {
      size: totalPes * PE_SIZE, generation: 2, state: 1, name: uuidText(id.lvUuid), lvUuid: id.lvUuid, snapshotId: 1,
      createTimeUs: Number(us) + 736_000, volumeIndex: 0, numPes: pes, firstPe, lastPe: firstPe + pes - 1, modTimeUs: Number(us) + 736_000,
      numDevices: devices.length, consumedPes: 1,
    });
    sink.writeDevice(d, VOLUME_TABLE, vol);
    if (d === 0) {
      const sd = Buffer.alloc(256 * devices.length);
      devices.forEach((x, i) => sd.write(x.sdName ?? `mpx.vmhba0:C0:T${2 + i}:L0:1`, 256 * i, 'utf8'));
      sink.writeDevice(d, SD_TABLE, sd);
    }
    sink.writeDevice(d, PE_BITMAP, Buffer.from([1]));
    const pe = Buffer.alloc(128);
    encode(pe, 0, LVM_PE_ENTRY, { used: 1, peId: 0, volumeIndex: 0, physicalOffset: LVM_DATA_OFFSET, logicalOffset: firstPe * PE_SIZE, length: pes * PE_SIZE, version: 1 });
    sink.writeDevice(d, PE_TABLE, pe);
    firstPe += pes;
  });
}

/** Volume offset of a file offset of a block-mapped node. */
export function volumeOffsetOf(n: PlannedNode, fileOffset: number): number {
  const b = n.blocks[Math.floor(fileOffset / SFB)];
  if (!b || b.kind !== 'sfb') throw new Error(`${n.path}: file offset ${fileOffset} beyond its SFBs`);
  return b.volumeBlock * SFB + (fileOffset % SFB);
}

/** Write `data` at `fileOffset` of a system file, split at its 1 MiB block boundaries. */
function writeFile(sink: VolumeSink, n: PlannedNode, fileOffset: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) {
    const at = fileOffset + done;
    const len = Math.min(data.length - done, SFB - (at % SFB));
    sink.writeVolume(volumeOffsetOf(n, at), data.subarray(done, done + len));
    done += len;
  }
}

function fdVolumeOffset(plan: Plan, n: PlannedNode): number {
  return volumeOffsetOf(plan.system.fdc, resourceOffset(RESOURCES.fdc, n.fdIndex));
}

function emitVolumeHeader(plan: Plan, id: Identity, sink: VolumeSink): void {
  const d = Buffer.alloc(512);
  encode(d, 0, FS_DESCRIPTOR, {
    magic: plan.spec.vmfsL ? FSL_MAGIC : FS_MAGIC, major: FS_VERSION[0], minor: FS_VERSION[1], fsUuid: id.fsUuid,
    config: FS_CONFIG | (plan.spec.vmfsL ? FS_CONFIG_OSDATA : 0), label: plan.spec.label, diskBlockSize: 512, fileBlockSize: SFB,
    createTime: plan.spec.createTime, snapshotId: 1, lvUuid: id.lvUuid, lvSnapshotId: 1, fdcClusterGroupOffset: CLUSTER_GROUP_OFFSET,
    fdcClustersPerGroup: RESOURCES.fdc.cpg, subBlockSize: SUB_BLOCK, maxJournalSlots: 64,
    pb2FdOffset: fdVolumeOffset(plan, plan.system.pb2), pb2FdAddress: plan.system.pb2.address, formatHostUuid: id.hostUuid, generation: 1,
    sddFdOffset: fdVolumeOffset(plan, plan.system.sdd), sddFdAddress: plan.system.sdd.address, checksumType: 0, unmapPriority: 1,
    physDiskBlockSize: 512, mdAlignment: MD, sfbToLfbShift: LFB_SHIFT, pointerBlockShift: Math.log2(PB_SIZE), sfbAddressBits: 44,
    tbzGranularity: MiB, journalBlockSize: 2 * MiB, leaseIntervalMs: 16000, reclaimWindowMs: 4000,
  });
  sink.writeVolume(FS_DESCRIPTOR_OFFSET, d);
  const hb = Buffer.alloc(HEARTBEAT_SLOTS * MD);
  for (let i = 0; i < HEARTBEAT_SLOTS; i++) encode(hb, i * MD, HEARTBEAT, { state: FREE_HEARTBEAT, ownOffset: HEARTBEAT_OFFSET + i * MD });
  sink.writeVolume(HEARTBEAT_OFFSET, hb);
}

/** Header bytes of a resource level (format §6.1 with the [6] part). */
function resourceHeader(g: ResourceGeometry, count: number, extra: Record<string, number> = {}): Buffer {
  const b = Buffer.alloc(0x60);
  const clusters = g.rpc ? Math.ceil(count / g.rpc) : 0;
  encode(b, 0, RESOURCE_HEADER, {
    resourcesPerCluster: g.rpc, clustersPerGroup: g.cpg, clusterGroupOffset: CLUSTER_GROUP_OFFSET, resourceSize: g.rsz,
    clusterGroupSize: g.rsz ? clusterGroupSize(g) : g.cpg * CLUSTER_HEADER, numResources: count % 2 ** 32, numClusterGroups: Math.ceil(clusters / g.cpg),
    numResourcesHigh: Math.floor(count / 2 ** 32), signature: RFMD, version: 1, flags: g.flags, affinityPerCluster: g.affinity[0],
    affinityPerResource: g.affinity[1], bitsPerResource: g.bitsPerResource, ...extra,
  });
  return b;
}

/**
 * One cluster header: lock block (magic, own volume offset, "unlocked" mode 1)
 * and [6] cluster metadata; `free(r)` says whether resource r of the
 * cluster is free; `bits` per resource in the bitmap (all set = free).
 */
function clusterHeader(sink: VolumeSink, file: PlannedNode, at: number, g: ResourceGeometry, c: number, total: number, free: (r: number) => boolean, value?: (r: number) => number): void {
  const buf = Buffer.alloc(CLUSTER_HEADER);
  encode(buf, 0, LOCK_BLOCK, { magic: LOCK_MAGIC[g.lock], ownOffset: volumeOffsetOf(file, at), lockMode: 1 });
  let nFree = 0;
  const bits = g.bitsPerResource;
  for (let r = 0; r < total; r++) {
    const isFree = free(r);
    if (isFree) nFree++;
    const v = value ? value(r) : isFree ? (1 << bits) - 1 : 0;
    for (let k = 0; k < bits; k++) if (v & (1 << k)) buf[MD + CLUSTER_BITMAP_OFFSET + ((r * bits + k) >> 3)]! |= 1 << ((r * bits + k) & 7);
  }
  encode(buf, MD, CLUSTER_METADATA, { signature: DMCR, clusterNumber: c, totalResources: total, freeResources: nFree, one: 1 });
  writeFile(sink, file, at, buf);
}

/** Header and cluster headers of a plain resource file whose resources `used(n)` are taken. */
function resourceFile(sink: VolumeSink, file: PlannedNode, g: ResourceGeometry, count: number, used: (n: number) => boolean): void {
  writeFile(sink, file, 0, resourceHeader(g, count));
  const clusters = g.rpc ? Math.ceil(count / g.rpc) : 0;
  for (let c = 0; c < clusters; c++) {
    const total = Math.min(g.rpc, count - c * g.rpc);
    clusterHeader(sink, file, clusterHeaderOffset(g, c), g, c, total, (r) => !used(c * g.rpc + r));
  }
}

/** .fbb.sf: LFB level at 0 and the SFB level at +0x1000, with their clusters (format §6.4). */
function emitFbb(plan: Plan, sink: VolumeSink): void {
  const fbb = plan.system.fbb;
  const lfb = RESOURCES.lfb;
  const sfb = RESOURCES.sfb;
  writeFile(sink, fbb, 0, resourceHeader(lfb, plan.volumeLfbs, { childOffset: SFB_CHILD_OFFSET }));
  writeFile(sink, fbb, SFB_CHILD_OFFSET, resourceHeader(sfb, plan.volumeSfbs, { parentRpc: lfb.rpc, parentCpg: lfb.cpg, parentCgs: clusterGroupSize(lfb), convertedClusters: Math.ceil(plan.volumeSfbs / sfb.rpc) }));
  // LFB states (3 bits each): 4 = split into SFBs (both LFBs of the sample), 1 = allocated whole (a guess: no LFB-mapped sample), 0 = free.
  const lfbState = (l: number): number => (plan.usedLfbs.has(l) ? 1 : l * sfb.rpc < plan.usedSfbs ? 4 : 0);
  for (let c = 0; c < Math.ceil(plan.volumeLfbs / lfb.rpc); c++) {
    const total = Math.min(lfb.rpc, plan.volumeLfbs - c * lfb.rpc);
    clusterHeader(sink, fbb, clusterHeaderOffset(lfb, c), lfb, c, total, (r) => lfbState(c * lfb.rpc + r) === 0, (r) => lfbState(c * lfb.rpc + r));
  }
  const sfbUsed = (s: number): boolean => s < plan.usedSfbs || plan.usedLfbs.has(Math.floor(s / sfb.rpc));
  for (let c = 0; c < Math.ceil(plan.volumeSfbs / sfb.rpc); c++) {
    const total = Math.min(sfb.rpc, plan.volumeSfbs - c * sfb.rpc);
    clusterHeader(sink, fbb, sfbClusterHeaderOffset(c), sfb, c, total, (r) => !sfbUsed(c * sfb.rpc + r));
  }
}

/** Address of array entry i's block (SFB or LFB, with the TBZ bitmap when to-be-zeroed). */
function blockAddress(b: PlannedNode['blocks'][number]): bigint {
  return b.kind === 'lfb' ? lfbAddress(b.volumeBlock, b.tbz ? 0xff : 0) : sfbAddress(b.volumeBlock, b.tbz ? 0xff : 0);
}

interface Pools {
  /** Write a 64 KiB pointer block (sub-block or .pb2.sf resource). */
  writePb(pool: 'subblock' | 'pb2', index: number, data: Buffer): void;
  pbAddress(pool: 'subblock' | 'pb2', index: number): bigint;
}

/** The FD array (or first-level pointers) of a block file, and its pointer blocks (format §9.1, §9.2). */
function blockArray(n: PlannedNode, pools: Pools): Array<[number, bigint]> {
  const pb = (key: string): number => {
    const v = n.pointerBlocks.get(key);
    if (v === undefined) throw new Error(`${n.path}: no pointer block ${key}`);
    return v;
  };
  const entries: Array<[number, bigint]> = [];
  for (const b of n.blocks) for (const i of entryIndices(n, b)) entries.push([i, blockAddress(b)]);
  if (n.zla === ZLA.direct || n.zla === ZLA.pb2) return entries;
  const level1 = new Map<number, Buffer>();
  for (const [i, a] of entries) {
    const k = Math.floor(i / PB_ADDRS);
    let buf = level1.get(k);
    if (!buf) level1.set(k, (buf = Buffer.alloc(PB_SIZE)));
    buf.writeBigUInt64LE(a, 8 * (i % PB_ADDRS));
  }
  const top: Array<[number, bigint]> = [];
  const level2 = new Map<number, Buffer>();
  for (const [k, buf] of level1) {
    const idx = pb(`1:${k}`);
    pools.writePb(n.pbPool, idx, buf);
    if (n.zla === ZLA.indirect) top.push([k, pools.pbAddress(n.pbPool, idx)]);
    else {
      const j = Math.floor(k / PB_ADDRS);
      let b2 = level2.get(j);
      if (!b2) level2.set(j, (b2 = Buffer.alloc(PB_SIZE)));
      b2.writeBigUInt64LE(pools.pbAddress(n.pbPool, idx), 8 * (k % PB_ADDRS));
    }
  }
  for (const [j, buf] of level2) {
    const idx = pb(`2:${j}`);
    pools.writePb(n.pbPool, idx, buf);
    top.push([j, pools.pbAddress(n.pbPool, idx)]);
  }
  return top;
}

/** One 8 KiB FD: lock block, metadata at A, resident data at A + 512, the 320 × u64 array at the end. */
function fdBytes(plan: Plan, n: PlannedNode, pools: Pools): Buffer {
  const fd = Buffer.alloc(FD_SIZE);
  encode(fd, 0, LOCK_BLOCK, { magic: LOCK_MAGIC.fd, ownOffset: fdVolumeOffset(plan, n), lockMode: 1 });
  const blockSize = n.kind === 'block' ? n.unit : SUB_BLOCK;
  const numBlocks = n.kind === 'block' ? n.blocks.length : n.subBlocks.length;
  const isSystem = n.typeCode === FD_TYPE.system || n === plan.root;
  encode(fd, MD, FD_METADATA, {
    address: n.address, generation: n.generation, linkCount: n.nlink, type: n.typeCode,
    // The sample has 1 on its one sub-block file (file5), 8 on .sbc.sf and 0 elsewhere.
    flags: n === plan.system.sbc ? 8 : n.kind === 'subblock' && n.typeCode === FD_TYPE.file ? 1 : 0,
    length: n.size, blockSize, numBlocks, mtime: n.mtime, ctime: n.ctime, atime: n.atime, uid: n.uid, gid: n.gid, mode: n.mode, zla: n.zla,
    // "New since epoch": the block count on every sample FD but .fdc.sf (1).
    tbzBlocks: n.blocks.filter((b) => b.tbz).length, newSinceEpoch: n === plan.system.fdc ? 1 : numBlocks, numPointerBlocks: n === plan.system.sbc ? 1 : n.pointerBlocks.size,
    signature: FDMD,
    // [6] affinity (the sample): a file with data written (file4, file5) names its directory, everything else itself.
    affinityFd: n.typeCode !== FD_TYPE.dir && n.typeCode !== FD_TYPE.symlink && !isSystem && n.size > 0 ? n.parent!.address : n.address,
    tbzGranularityShift: 20, parentFd: isSystem ? 0 : n.parent!.address, blockOffsetShift: Math.log2(blockSize),
    numLfbs: n.blocks.filter((b) => b.kind === 'lfb').length,
  });
  const slot = (i: number, v: bigint): void => {
    if (i >= 320) throw new Error(`${n.path}: FD address slot ${i} out of range`);
    fd.writeBigUInt64LE(v, FD_ARRAY_OFFSET + 8 * i);
  };
  if (n.rdmLunId !== undefined) rdmArea(n.rdmLunId).copy(fd, RESIDENT_OFFSET);
  else if (n.kind === 'resident') readPieces(n.pieces, fd.subarray(RESIDENT_OFFSET, RESIDENT_OFFSET + n.size), 0);
  else if (n.kind === 'subblock') n.subBlocks.forEach((sb, i) => slot(i, sbAddress(sb)));
  else if (n === plan.system.sbc) slot(0, pb2Address(0));
  else for (const [i, a] of blockArray(n, pools)) slot(i, a);
  return fd;
}

export function emitVolume(plan: Plan, id: Identity, sink: VolumeSink): void {
  emitLvm(plan, id, sink);
  emitVolumeHeader(plan, id, sink);
  const { system, counts } = plan;
  const systemList = SYSTEM_KEYS.map((k) => system[k]);
  const usedSb = new Set<number>();
  const usedPb2 = new Set<number>([0]);
  const sbOffset = (i: number): number => resourceOffset(RESOURCES.sbc, i);
  const pools: Pools = {
    writePb: (pool, index, data) => {
      if (pool === 'subblock') usedSb.add(index);
      else usedPb2.add(index);
      writeFile(sink, pool === 'subblock' ? system.sbc : system.pb2, pool === 'subblock' ? sbOffset(index) : resourceOffset(RESOURCES.pb2, index), data);
    },
    pbAddress: (pool, index) => (pool === 'subblock' ? sbAddress(index) : pb2Address(index)),
  };
  const fdc = system.fdc;
  for (const n of plan.nodes) {
    if (n.typeCode === FD_TYPE.dir || n === system.sdd) {
      n.dir = layoutDirectory(n, plan.root, systemList);
      if (n.dir.bytes.length !== n.size) throw new Error(`${n.path}: directory layout changed size (${n.dir.bytes.length} vs ${n.size})`);
      n.pieces = [{ offset: 0, source: { length: n.size, readInto: (dst, off) => void n.dir!.bytes.copy(dst, 0, off, off + dst.length) } }];
    }
    writeFile(sink, fdc, resourceOffset(RESOURCES.fdc, n.fdIndex), fdBytes(plan, n, pools));
    if (n.kind === 'subblock') {
      const buf = Buffer.alloc(SUB_BLOCK);
      n.subBlocks.forEach((sb, i) => {
        readPieces(n.pieces, buf, i * SUB_BLOCK);
        if ((i + 1) * SUB_BLOCK > n.size) buf.fill(0, n.size - i * SUB_BLOCK);
        usedSb.add(sb);
        writeFile(sink, system.sbc, sbOffset(sb), buf);
      });
    }
    if (n.kind !== 'block' || n.typeCode === FD_TYPE.system) continue;
    for (const b of n.blocks) {
      const len = b.kind === 'lfb' ? LFB : SFB;
      const base = b.kind === 'lfb' ? b.volumeBlock * LFB : b.volumeBlock * SFB;
      if (b.tbz) {
        // Stale data in the first MiB only (an LFB's other 511 MiB stay holes on the host).
        const stale = Buffer.alloc(SFB);
        stalePattern(stale, base / SFB);
        sink.writeVolume(base, stale);
        continue;
      }
      for (let off = 0; off < len; off += SFB) {
        const fileOff = b.fileOffset + off;
        if (fileOff >= n.size) break;
        if (!n.pieces.some((p) => p.offset < fileOff + SFB && p.offset + p.source.length > fileOff)) continue;
        const buf = Buffer.alloc(SFB);
        readPieces(n.pieces, buf, fileOff);
        if (fileOff + SFB > n.size) buf.fill(0, n.size - fileOff);
        sink.writeVolume(base + off, buf);
      }
    }
  }
  // .sdd.sf (a system file, skipped above) is a directory in one SFB.
  writeFile(sink, system.sdd, 0, system.sdd.dir!.bytes);
  // .sbc.sf's block list: .pb2.sf resource 0 (CONFIRMED on the sample).
  const sbcPb = Buffer.alloc(PB_SIZE);
  system.sbc.blocks.forEach((b, i) => sbcPb.writeBigUInt64LE(sfbAddress(b.volumeBlock), 8 * i));
  writeFile(sink, system.pb2, resourceOffset(RESOURCES.pb2, 0), sbcPb);

  resourceFile(sink, fdc, RESOURCES.fdc, counts.fdcResources, (i) => i < plan.nodes.length);
  resourceFile(sink, system.sbc, RESOURCES.sbc, counts.sbcResources, (i) => usedSb.has(i));
  resourceFile(sink, system.pb2, RESOURCES.pb2, counts.pb2Resources, (i) => usedPb2.has(i));
  resourceFile(sink, system.pbc, RESOURCES.pbc, 0, () => false);
  resourceFile(sink, system.jbc, RESOURCES.jbc, 128, () => false);
  emitFbb(plan, sink);
}
