/**
 * Writes a stream-optimized VMDK the way VMware's exporters (ovftool, ESXi
 * and Workstation OVF export) lay it out — the "GD at the end" layout that
 * qemu-img cannot produce (vmdk-format.md §4.3, layout 2):
 *
 *   sector 0            header, gdOffset = 0xFFFFFFFFFFFFFFFF (GD_AT_END)
 *   1 .. 20             embedded descriptor, NUL padded
 *   up to overHead      zero
 *   grains              [lba u64][cmpSize u32][zlib stream], padded to a sector;
 *                       after the grains of each 512-grain group: GT marker + GT
 *                       (groups with no grain write nothing: GD entry 0)
 *   GD marker + GD
 *   footer marker + footer (the header again, with the real gdOffset)
 *   EOS marker (one zero sector)
 *
 * All-zero grains are not stored. Used only by corpus/build-vmdk.sh; the
 * result is accepted only if `qemu-img convert -O raw` gives back the source.
 *
 *   node dist/corpus/builders/vmware-stream-writer.js SRC.raw OUT.vmdk CID
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { isZero } from '../../src/device/read-helpers.js';

const SECTOR = 512;
const GRAIN_SECTORS = 128;
const GRAIN = GRAIN_SECTORS * SECTOR;
const GTES_PER_GT = 512;
const GT_SECTORS = (GTES_PER_GT * 4) / SECTOR;
const DESCRIPTOR_OFFSET = 1;
const DESCRIPTOR_SECTORS = 20;
const OVERHEAD = 128;
const GD_AT_END = 0xffffffffffffffffn;

/** Sparse extent header (KDMV), 512 bytes; vmdk-format.md §3.1. */
const HEADER = {
  magic: 0, // u32 'KDMV'
  version: 4, // u32
  flags: 8, // u32
  capacity: 12, // u64 sectors
  grainSize: 20, // u64 sectors
  descriptorOffset: 28, // u64 sectors
  descriptorSize: 36, // u64 sectors
  numGTEsPerGT: 44, // u32
  rgdOffset: 48, // u64 sectors
  gdOffset: 56, // u64 sectors
  overHead: 64, // u64 sectors
  uncleanShutdown: 72, // u8
  newlineBytes: 73, // '\n', ' ', '\r', '\n'
  compressAlgorithm: 77, // u16
} as const;

/** Marker sector; vmdk-format.md §4.2. */
const MARKER = { val: 0, size: 8, type: 12 } as const;
const MARKER_GT = 1;
const MARKER_GD = 2;
const MARKER_FOOTER = 3;

// newline detection valid | compressed grains | markers (VMware writes no redundant GD)
const FLAGS = 0x00000001 | 0x00010000 | 0x00020000;

function header(capacity: number, gdOffset: bigint): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('KDMV', HEADER.magic, 'latin1');
  h.writeUInt32LE(3, HEADER.version);
  h.writeUInt32LE(FLAGS, HEADER.flags);
  h.writeBigUInt64LE(BigInt(capacity), HEADER.capacity);
  h.writeBigUInt64LE(BigInt(GRAIN_SECTORS), HEADER.grainSize);
  h.writeBigUInt64LE(BigInt(DESCRIPTOR_OFFSET), HEADER.descriptorOffset);
  h.writeBigUInt64LE(BigInt(DESCRIPTOR_SECTORS), HEADER.descriptorSize);
  h.writeUInt32LE(GTES_PER_GT, HEADER.numGTEsPerGT);
  h.writeBigUInt64LE(0n, HEADER.rgdOffset);
  h.writeBigUInt64LE(gdOffset, HEADER.gdOffset);
  h.writeBigUInt64LE(BigInt(OVERHEAD), HEADER.overHead);
  h.write('\n \r\n', HEADER.newlineBytes, 'latin1');
  h.writeUInt16LE(1, HEADER.compressAlgorithm);
  return h;
}

function marker(val: number, type: number): Buffer {
  const m = Buffer.alloc(SECTOR);
  m.writeBigUInt64LE(BigInt(val), MARKER.val);
  m.writeUInt32LE(0, MARKER.size);
  m.writeUInt32LE(type, MARKER.type);
  return m;
}

/** The embedded descriptor, as VMware's OVF export writes it (RDONLY extent line, DDB). */
function descriptor(name: string, capacity: number, cid: number): Buffer {
  const cylinders = Math.min(65535, Math.floor(capacity / (255 * 63)));
  const text = [
    '# Disk DescriptorFile',
    'version=1',
    'encoding="UTF-8"',
    `CID=${cid.toString(16).padStart(8, '0')}`,
    'parentCID=ffffffff',
    'isNativeSnapshot="no"',
    'createType="streamOptimized"',
    '',
    '# Extent description',
    `RDONLY ${capacity} SPARSE "${name}"`,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.adapterType = "lsilogic"',
    `ddb.geometry.cylinders = "${cylinders}"`,
    'ddb.geometry.heads = "255"',
    'ddb.geometry.sectors = "63"',
    `ddb.longContentID = "8b2a6c1e5f0d4b3a9c7e21d4${cid.toString(16).padStart(8, '0')}"`,
    'ddb.toolsInstallType = "4"',
    'ddb.toolsVersion = "12325"',
    'ddb.virtualHWVersion = "14"',
    '',
  ].join('\n');
  const area = Buffer.alloc(DESCRIPTOR_SECTORS * SECTOR);
  if (Buffer.byteLength(text) > area.length) throw new Error('descriptor too long');
  area.write(text, 0, 'utf8');
  return area;
}

export function writeVmwareStream(src: string, out: string, cid: number): void {
  const inFd = openSync(src, 'r');
  const outFd = openSync(out, 'wx');
  try {
    const size = fstatSync(inFd).size;
    if (size % SECTOR !== 0) throw new Error(`${src}: size ${size} is not a multiple of 512`);
    const capacity = size / SECTOR;
    const grains = Math.ceil(size / GRAIN);
    const gdEntries = Math.ceil(grains / GTES_PER_GT);
    let sector = 0;
    const put = (b: Buffer): void => {
      if (b.length % SECTOR !== 0) throw new Error('unaligned write');
      writeSync(outFd, b, 0, b.length, sector * SECTOR);
      sector += b.length / SECTOR;
    };
    put(header(capacity, GD_AT_END));
    put(descriptor(path.basename(out), capacity, cid));
    put(Buffer.alloc((OVERHEAD - sector) * SECTOR));

    const gd = Buffer.alloc(Math.ceil((gdEntries * 4) / SECTOR) * SECTOR);
    const gt = Buffer.alloc(GT_SECTORS * SECTOR);
    const buf = Buffer.alloc(GRAIN);
    for (let t = 0; t < gdEntries; t++) {
      gt.fill(0);
      let used = false;
      for (let i = 0; i < GTES_PER_GT; i++) {
        const g = t * GTES_PER_GT + i;
        if (g >= grains) break;
        // The last grain is short when the capacity is not a multiple of the grain: store only what exists.
        const n = readSync(inFd, buf, 0, Math.min(GRAIN, size - g * GRAIN), g * GRAIN);
        const data = buf.subarray(0, n);
        if (isZero(data)) continue;
        const z = deflateSync(data, { level: 6 });
        const rec = Buffer.alloc(Math.ceil((12 + z.length) / SECTOR) * SECTOR);
        rec.writeBigUInt64LE(BigInt(g * GRAIN_SECTORS), 0);
        rec.writeUInt32LE(z.length, 8);
        z.copy(rec, 12);
        gt.writeUInt32LE(sector, i * 4);
        put(rec);
        used = true;
      }
      if (!used) continue;
      put(marker(GT_SECTORS, MARKER_GT));
      gd.writeUInt32LE(sector, t * 4);
      put(gt);
    }
    put(marker(gd.length / SECTOR, MARKER_GD));
    const gdOffset = sector;
    put(gd);
    put(marker(1, MARKER_FOOTER));
    put(header(capacity, BigInt(gdOffset)));
    put(Buffer.alloc(SECTOR)); // end-of-stream marker
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [src, out, cid] = process.argv.slice(2);
  if (!src || !out || !cid || !/^[0-9a-f]{8}$/i.test(cid)) {
    console.error('usage: vmware-stream-writer.js SRC.raw OUT.vmdk CID(8 hex digits)');
    process.exit(2);
  }
  writeVmwareStream(src, out, parseInt(cid, 16));
}
