/**
 * Turns a Plan into bytes: LVM metadata on each device, the FS descriptor and
 * heartbeats, the resource files (.fdc .fbb .sbc .pbc .pb2) with their
 * cluster headers, FDs, directories, pointer blocks and file data. Every
 * value not described in structs.ts is left zero.
 */
import { readPieces, type Piece } from './content.js';
import {
  CLUSTER_METADATA, DIR_ENTRY, DIR_ENTRY_SIZE, FD_METADATA, FS_DESCRIPTOR, HEARTBEAT, LOCK_BLOCK,
  LVM_DEVICE_HEADER, LVM_PE_ENTRY, LVM_VOLUME_ENTRY, RESOURCE_HEADER, encode,
} from './structs.js';
import {
  CLUSTER_GROUP_OFFSET, FD_ADDRS, FD_SIZE, FD_TYPE, FILE_BLOCK, FS_DESCRIPTOR_OFFSET, HEARTBEAT_OFFSET, HEARTBEAT_SLOTS,
  LOCK_MAGIC, LVM_DATA_OFFSET, LVM_HEADER_OFFSET, PB_ADDRS, PE_SIZE, RESOURCES, SUB_BLOCK, ZLA,
  clusterGroupSize, clusterHeaderOffset, fbAddress, pbAddress, resourceOffset, sbAddress, uuidText, type ResourceGeometry,
} from './geometry.js';
import type { Plan, PlannedNode } from './plan.js';

/** Writes at volume offsets, routed to (device, device offset) through the PE layout. */
export interface VolumeSink {
  writeVolume(offset: number, data: Buffer): void;
  writeDevice(device: number, offset: number, data: Buffer): void;
}

export interface Identity {
  fsUuid: Buffer;
  lvUuid: Buffer;
  hostUuid: Buffer;
  deviceUuids: Buffer[];
}

const FREE_HEARTBEAT = 0xabcdef01;
const LVM_MAGIC = 0xc001d00d;
const FS_MAGIC = 0x2fabf15e;
/** Sample's LVM 5.21, FS 14.81, config 0x6 (dense sub-blocks + 0x2). */
const LVM_VERSION = [5, 21] as const;
const FS_VERSION = [14, 81] as const;
const FS_CONFIG = 0x6;
const VOLUME_TABLE = LVM_HEADER_OFFSET + 0x200;
const SD_TABLE = LVM_HEADER_OFFSET + 0x7e200;
const PE_BITMAP = LVM_HEADER_OFFSET + 0x80200;
const PE_TABLE = LVM_HEADER_OFFSET + 0x80600;

export function deviceSize(pes: number): number {
  return LVM_DATA_OFFSET + pes * PE_SIZE;
}

/** LVM header, volume table entry, SD table, PE bitmap and table of device `d` (format §2). */
export function emitLvm(plan: Plan, id: Identity, sink: VolumeSink): void {
  const devices = plan.spec.devices ?? [{}];
  const totalPes = devices.reduce((s, d) => s + (d.pes ?? 1), 0);
  const us = BigInt(plan.spec.createTime) * 1_000_000n;
  let firstPe = 0;
  devices.forEach((dev, d) => {
    const pes = dev.pes ?? 1;
    const scsiId = dev.scsiId ?? `vmhba0:${4 + d}:0`;
    const hdr = Buffer.alloc(0x200);
    encode(hdr, 0, LVM_DEVICE_HEADER, {
      magic: LVM_MAGIC, major: LVM_VERSION[0], minor: LVM_VERSION[1], scsiIdLength: scsiId.length, scsiId,
      diskBlockSize: 512,
      // The sample's value is 1 MiB − 512 below its device length; kept as ESXi wrote it.
      deviceSize: deviceSize(pes) - 0xffe00,
      numVolumes: 1, numPeEntries: 1, lastPeIndex: 0, generation: 3, dataOffset: LVM_DATA_OFFSET,
      deviceUuid: id.deviceUuids[d]!, initTimeUs: Number(us) + 728_000, modTimeUs: Number(us) + 736_000, numPeMapPairs: 1,
    });
    sink.writeDevice(d, LVM_HEADER_OFFSET, hdr);
    const vol = Buffer.alloc(0x200);
    encode(vol, 0, LVM_VOLUME_ENTRY, {
      size: totalPes * PE_SIZE, generation: 2, state: 1, name: uuidText(id.lvUuid), lvUuid: id.lvUuid, snapshotId: 1,
      createTimeUs: Number(us) + 736_000, volumeIndex: 0, numPes: pes, firstPe, lastPe: firstPe + pes - 1,
      modTimeUs: Number(us) + 736_000, numDevices: devices.length,
    });
    sink.writeDevice(d, VOLUME_TABLE, vol);
    if (d === 0) {
      const sd = Buffer.alloc(256 * devices.length);
      devices.forEach((x, i) => sd.write(x.sdName ?? `mpx.vmhba0:C0:T${4 + i}:L0:1`, 256 * i, 'utf8'));
      sink.writeDevice(d, SD_TABLE, sd);
    }
    sink.writeDevice(d, PE_BITMAP, Buffer.from([1]));
    const pe = Buffer.alloc(128);
    encode(pe, 0, LVM_PE_ENTRY, {
      used: 1, peId: 0, volumeIndex: 0, physicalOffset: LVM_DATA_OFFSET, logicalOffset: firstPe * PE_SIZE, length: pes * PE_SIZE, version: 1,
    });
    sink.writeDevice(d, PE_TABLE, pe);
    firstPe += pes;
  });
}

function volumeOffsetOf(n: PlannedNode, fileOffset: number): number {
  const b = n.blocks[Math.floor(fileOffset / FILE_BLOCK)];
  if (!b) throw new Error(`${n.path}: file offset ${fileOffset} beyond its blocks`);
  return b.volumeBlock * FILE_BLOCK + (fileOffset % FILE_BLOCK);
}

function fdVolumeOffset(plan: Plan, n: PlannedNode): number {
  return volumeOffsetOf(plan.system.fdc, resourceOffset(RESOURCES.fdc, n.fdIndex));
}

/** FS descriptor at 0x200000 and free heartbeat slots at 0x300000, inside .vh.sf. */
function emitVolumeHeader(plan: Plan, id: Identity, sink: VolumeSink): void {
  const d = Buffer.alloc(512);
  encode(d, 0, FS_DESCRIPTOR, {
    magic: FS_MAGIC, major: FS_VERSION[0], minor: FS_VERSION[1], fsUuid: id.fsUuid, config: FS_CONFIG, label: plan.spec.label,
    diskBlockSize: 512, fileBlockSize: FILE_BLOCK, createTime: plan.spec.createTime, snapshotId: 1, lvUuid: id.lvUuid,
    lvSnapshotId: 1, fdcClusterGroupOffset: CLUSTER_GROUP_OFFSET, fdcClustersPerGroup: RESOURCES.fdc.cpg, subBlockSize: SUB_BLOCK,
    maxJournalSlots: 8, pb2FdOffset: fdVolumeOffset(plan, plan.system.pb2), pb2FdAddress: plan.system.pb2.address,
    formatHostUuid: id.hostUuid, generation: 1, sddFdOffset: fdVolumeOffset(plan, plan.system.sdd), sddFdAddress: plan.system.sdd.address,
  });
  sink.writeVolume(FS_DESCRIPTOR_OFFSET, d);
  const hb = Buffer.alloc(HEARTBEAT_SLOTS * 512);
  for (let i = 0; i < HEARTBEAT_SLOTS; i++) encode(hb, i * 512, HEARTBEAT, { state: FREE_HEARTBEAT, ownOffset: HEARTBEAT_OFFSET + i * 512 });
  sink.writeVolume(HEARTBEAT_OFFSET, hb);
}

/** Header, cluster lock blocks and cluster metadata of a resource file whose first `used` resources are taken. */
function resourceSkeleton(n: PlannedNode, g: ResourceGeometry, count: number, used: number): Buffer {
  const buf = Buffer.alloc(n.size);
  const clusters = Math.ceil(count / g.rpc);
  const groups = Math.ceil(clusters / g.cpg);
  encode(buf, 0, RESOURCE_HEADER, {
    resourcesPerCluster: g.rpc, clustersPerGroup: g.cpg, clusterGroupOffset: CLUSTER_GROUP_OFFSET, resourceSize: g.rsz,
    clusterGroupSize: clusterGroupSize(g), numResources: count % 2 ** 32, numClusterGroups: groups, numResourcesHigh: Math.floor(count / 2 ** 32),
  });
  for (let c = 0; c < clusters; c++) {
    const at = clusterHeaderOffset(g, c);
    encode(buf, at, LOCK_BLOCK, { magic: LOCK_MAGIC[g.lock], ownOffset: volumeOffsetOf(n, at), lockMode: 1 });
    const total = Math.min(g.rpc, count - c * g.rpc);
    const taken = Math.max(0, Math.min(total, used - c * g.rpc));
    const bitmap = Buffer.alloc(64);
    for (let r = taken; r < total; r++) bitmap[r >> 3]! |= 1 << (r & 7);
    encode(buf, at + 512, CLUSTER_METADATA, { clusterNumber: c, totalResources: total, freeResources: total - taken, nextFreeIndex: taken, freeBitmap: bitmap });
  }
  return buf;
}

/** The 140-byte entries of a directory: ".", "..", then the children in creation order. */
function directoryBytes(n: PlannedNode): Buffer {
  const list: Array<[PlannedNode, string]> = [[n, '.'], [n.parent ?? n, '..'], ...n.children.map((c): [PlannedNode, string] => [c, c.name])];
  const buf = Buffer.alloc(list.length * DIR_ENTRY_SIZE);
  list.forEach(([x, name], i) => encode(buf, i * DIR_ENTRY_SIZE, DIR_ENTRY, { type: x.typeCode, fdAddress: x.address, generation: x.generation, name }));
  return buf;
}

/** RDM data area: the 78-byte SCSI id shape of LVM header +0x0C (format §8.3). */
export function rdmArea(lunId: string): Buffer {
  const b = Buffer.alloc(78);
  b.writeUInt8(lunId.length, 1);
  b.write('VMware  ', 6, 'latin1');
  b.write('Virtual disk    ', 14, 'latin1');
  b.write('1.0 ', 30, 'latin1');
  if (Buffer.byteLength(lunId) > 44) throw new Error(`RDM LUN id "${lunId}" longer than 44 bytes`);
  b.write(lunId, 34, 'utf8');
  return b;
}

function log2(x: number): number {
  return Math.round(Math.log2(x));
}

/** One 2048-byte FD: lock block, metadata, then the address array or resident data. */
function fdBytes(plan: Plan, n: PlannedNode, pbOf: (n: PlannedNode, key: string) => number): Buffer {
  const fd = Buffer.alloc(FD_SIZE);
  encode(fd, 0, LOCK_BLOCK, { magic: LOCK_MAGIC.fd, ownOffset: fdVolumeOffset(plan, n), lockMode: 1 });
  const blockSize = n.kind === 'block' ? FILE_BLOCK : SUB_BLOCK;
  const numBlocks = n.kind === 'block' ? n.blocks.length : n.kind === 'subblock' ? 1 : 0;
  encode(fd, 512, FD_METADATA, {
    address: n.address, generation: n.generation, linkCount: n.nlink, type: n.typeCode, length: n.size, blockSize, numBlocks,
    mtime: n.mtime, ctime: n.ctime, atime: n.atime, uid: n.uid, gid: n.gid, mode: n.mode, zla: n.zla,
    tbzBlocks: n.blocks.filter((b) => b.tbz).length, newSinceEpoch: numBlocks, numPointerBlocks: n.pointerBlocks.size,
    affinityFd: n.address,
    // The sample has 13 only on its sub-block directory, 20 everywhere else.
    tbzGranularityShift: n.kind === 'subblock' && n.typeCode === FD_TYPE.dir ? 13 : 20,
    blockOffsetShift: log2(blockSize),
  });
  const area = fd.subarray(1024);
  if (n.rdmLunId !== undefined) rdmArea(n.rdmLunId).copy(area);
  else if (n.kind === 'resident') readPieces(n.pieces, area.subarray(0, n.size), 0);
  else if (n.kind === 'subblock') area.writeUInt32LE(sbAddress(n.subBlock), 0);
  else {
    const slot = (i: number, v: number): void => {
      if (i >= FD_ADDRS) throw new Error(`${n.path}: FD address slot ${i} out of range`);
      area.writeUInt32LE(v, 4 * i);
    };
    for (const b of n.blocks) {
      if (n.zla === ZLA.direct) slot(b.index, fbAddress(b.volumeBlock, b.tbz));
      else if (n.zla !== ZLA.double) slot(Math.floor(b.index / PB_ADDRS), pbAddress(pbOf(n, `1:${Math.floor(b.index / PB_ADDRS)}`), n.zla === ZLA.pb2 ? 'pb2' : 'pbc'));
      else slot(Math.floor(b.index / PB_ADDRS ** 2), pbAddress(pbOf(n, `2:${Math.floor(b.index / PB_ADDRS ** 2)}`)));
    }
  }
  return fd;
}

/** Pointer-block contents of one file, into the .pbc.sf (or, for ZLA 5, the .pb2.sf) buffer. */
function fillPointerBlocks(n: PlannedNode, pool: Buffer, geometry: ResourceGeometry, pbOf: (n: PlannedNode, key: string) => number): void {
  const put = (pb: number, i: number, v: number): void => {
    pool.writeUInt32LE(v, resourceOffset(geometry, pb) + 4 * (i % PB_ADDRS));
  };
  for (const b of n.blocks) {
    const l1 = Math.floor(b.index / PB_ADDRS);
    put(pbOf(n, `1:${l1}`), b.index, fbAddress(b.volumeBlock, b.tbz));
    if (n.zla === ZLA.double) put(pbOf(n, `2:${Math.floor(b.index / PB_ADDRS ** 2)}`), l1, pbAddress(pbOf(n, `1:${l1}`)));
  }
}

/** Stale bytes left in a to-be-zeroed block: a reader that ignores TBZ returns these instead of zeros. */
const STALE_SEED = 0x57a1e;

export function emitVolume(plan: Plan, id: Identity, sink: VolumeSink): void {
  emitLvm(plan, id, sink);
  emitVolumeHeader(plan, id, sink);
  const { system, counts } = plan;
  const pbOf = (n: PlannedNode, key: string): number => {
    const v = n.pointerBlocks.get(key);
    if (v === undefined) throw new Error(`${n.path}: no pointer block ${key}`);
    return v;
  };
  const fdc = resourceSkeleton(system.fdc, RESOURCES.fdc, counts.fdcResources, plan.nodes.length);
  const sbc = resourceSkeleton(system.sbc, RESOURCES.sbc, counts.sbcResources, counts.subBlocks);
  const pbc = resourceSkeleton(system.pbc, RESOURCES.pbc, Math.max(1, counts.pointerBlocks), counts.pointerBlocks);
  const pb2 = resourceSkeleton(system.pb2, RESOURCES.pb2, Math.max(1, counts.pb2Blocks), counts.pb2Blocks);
  const fbb = resourceSkeleton(system.fbb, RESOURCES.fbb, plan.volumeBlocks, plan.usedBlocks);

  const blockBuf = Buffer.alloc(FILE_BLOCK);
  for (const n of plan.nodes) {
    if (n.typeCode === FD_TYPE.dir || n === system.sdd) n.pieces = [{ offset: 0, source: bufferSource(directoryBytes(n)) }];
    fdBytes(plan, n, pbOf).copy(fdc, resourceOffset(RESOURCES.fdc, n.fdIndex));
    if (n.kind === 'subblock') readPieces(n.pieces, sbc.subarray(resourceOffset(RESOURCES.sbc, n.subBlock), resourceOffset(RESOURCES.sbc, n.subBlock) + SUB_BLOCK), 0);
    if (n.pointerBlocks.size) fillPointerBlocks(n, n.zla === ZLA.pb2 ? pb2 : pbc, n.zla === ZLA.pb2 ? RESOURCES.pb2 : RESOURCES.pbc, pbOf);
    if (n.kind !== 'block' || n.typeCode === FD_TYPE.system) continue;
    for (const b of n.blocks) {
      // A thick block no piece reaches is zeros: nothing to write on a sparse image.
      if (!b.tbz && !n.pieces.some((p) => p.offset < (b.index + 1) * FILE_BLOCK && p.offset + p.source.length > b.index * FILE_BLOCK)) continue;
      if (b.tbz) stalePattern(blockBuf, b.volumeBlock);
      else readPieces(n.pieces, blockBuf, b.index * FILE_BLOCK);
      if (!b.tbz && (b.index + 1) * FILE_BLOCK > n.size) blockBuf.fill(0, Math.max(0, n.size - b.index * FILE_BLOCK));
      sink.writeVolume(b.volumeBlock * FILE_BLOCK, blockBuf);
    }
  }
  const sdd = Buffer.alloc(system.sdd.size);
  readPieces(system.sdd.pieces, sdd, 0);
  for (const [n, buf] of [[system.fdc, fdc], [system.sbc, sbc], [system.pbc, pbc], [system.pb2, pb2], [system.fbb, fbb], [system.sdd, sdd]] as const) {
    sink.writeVolume(volumeOffsetOf(n, 0), buf);
  }
}

function bufferSource(data: Buffer): Piece['source'] {
  return { length: data.length, readInto: (dst, offset) => void data.copy(dst, 0, offset, offset + dst.length) };
}

export function stalePattern(buf: Buffer, block: number): void {
  let x = (STALE_SEED ^ Math.imul(block + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < buf.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
}
