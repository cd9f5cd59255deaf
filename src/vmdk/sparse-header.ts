/**
 * The hosted sparse extent header ("KDMV", vmdk-format §3.1–3.2) and, for
 * stream-optimized files, the choice between header and footer (§4.3).
 */
import type { BlockDevice } from '../device/block-device.js';
import { readExact } from '../device/read-helpers.js';
import { VmfskitError } from '../errors.js';
import { decode, type Decoded } from './struct.js';
import { MAX_DESCRIPTOR_BYTES, parseDescriptor, type Descriptor } from './descriptor.js';

export const SECTOR = 512;
export const KDMV = 0x564d444b; // "KDMV"
const KDMV_UNFINISHED = 0x766d646b; // "kdmv": open-vmdk's temporary magic
const CBT_MAGIC = 0xf61972a2; // "-ctk.vmdk" change-tracking file

/** SparseExtentHeader, sector 0 (and the stream footer), little-endian. */
export const HEADER = {
  magic: [0, 'u32'],
  version: [4, 'u32'],
  flags: [8, 'u32'],
  capacity: [12, 'u64'], // sectors
  grainSize: [20, 'u64'], // sectors per grain
  descriptorOffset: [28, 'u64'], // sectors
  descriptorSize: [36, 'u64'], // sectors
  numGTEsPerGT: [44, 'u32'],
  rgdOffset: [48, 'u64'], // sectors
  gdOffset: [56, 'u64'], // sectors; all ones = GD_AT_END
  overHead: [64, 'u64'], // sectors
  uncleanShutdown: [72, 'u8'],
  compressAlgorithm: [77, 'u16'],
} as const;

export type SparseHeader = Decoded<typeof HEADER> & {
  /** gdOffset was 0xFFFFFFFFFFFFFFFF (stream-optimized: GD at the end, real value in the footer). */
  gdAtEnd: boolean;
  /** Where the header that is in force was read: 0, or the footer's byte offset. */
  at: number;
};

export const FLAG_NEWLINE_CHECK = 0x1;
export const FLAG_REDUNDANT_GD = 0x2;
export const FLAG_ZEROED_GTE = 0x4;
export const FLAG_COMPRESSED = 0x10000;
export const FLAG_MARKERS = 0x20000;
const KNOWN_INCOMPATIBLE = FLAG_COMPRESSED | FLAG_MARKERS;

/** Sanity bounds: nothing read from an image is allocated beyond these. */
const MAX_GRAIN_SECTORS = 1 << 14; // 8 MiB grains
const MAX_GTES_PER_GT = 1 << 16;
export const MAX_GD_BYTES = 64 << 20;

function decodeHeader(buf: Buffer, at: number): SparseHeader {
  const h = decode(HEADER, buf);
  return { ...h, gdAtEnd: buf.readBigUInt64LE(56) === 0xffffffffffffffffn, at };
}

/** The first-sector magics the VMDK layer recognises (KDMV/COWD/SESparse/text are told apart by callers). */
export function kdmvProblem(magic: number): string | null {
  if (magic === KDMV_UNFINISHED) return 'magic "kdmv" (lower case): the writer never finished this file (unfinished conversion); refusing to read it';
  if (magic === CBT_MAGIC) return 'this is a change-tracking (-ctk.vmdk) file, not disk data';
  return null;
}

function check(cond: boolean, code: 'CORRUPT' | 'UNSUPPORTED' | 'TRUNCATED', problem: string, file: string, field: keyof typeof HEADER, at: number): void {
  if (!cond) throw new VmfskitError(code, problem, { file, structure: `sparse header field ${field}`, offset: at + HEADER[field][0] });
}

/** Validate one header (sector 0 or footer) against the file it sits in. */
function validate(h: SparseHeader, file: string, fileSize: number, buf: Buffer): void {
  const at = h.at;
  check(h.version >= 1 && h.version <= 3, 'UNSUPPORTED', `sparse extent version ${h.version} is not 1, 2 or 3`, file, 'version', at);
  const incompatible = h.flags & 0xffff0000;
  check((incompatible & ~KNOWN_INCOMPATIBLE) === 0, 'UNSUPPORTED', `unknown incompatible flags 0x${h.flags.toString(16)}`, file, 'flags', at);
  check(!(h.flags & FLAG_MARKERS) || !!(h.flags & FLAG_COMPRESSED), 'CORRUPT', `flags 0x${h.flags.toString(16)}: markers without compression`, file, 'flags', at);
  check(
    !(h.flags & FLAG_COMPRESSED) || !!(h.flags & FLAG_MARKERS),
    'UNSUPPORTED',
    `flags 0x${h.flags.toString(16)}: compressed grains without markers (no known sample; readers disagree on the layout)`,
    file,
    'flags',
    at,
  );
  check(!(h.flags & FLAG_COMPRESSED) || h.compressAlgorithm === 1, 'UNSUPPORTED', `compression algorithm ${h.compressAlgorithm} (only 1 = deflate is known)`, file, 'compressAlgorithm', at);
  if (h.flags & FLAG_NEWLINE_CHECK) {
    const ok = buf[73] === 0x0a && buf[74] === 0x20 && buf[75] === 0x0d && buf[76] === 0x0a;
    if (!ok) {
      throw new VmfskitError('CORRUPT', 'newline-detection bytes are not 0A 20 0D 0A: the file went through a text-mode transfer and its data is damaged', {
        file,
        structure: 'sparse header newline check',
        offset: at + 73,
      });
    }
  }
  const gs = h.grainSize;
  check(gs >= 1 && gs <= MAX_GRAIN_SECTORS && (gs & (gs - 1)) === 0, 'CORRUPT', `grain size ${gs} sectors is not a power of two between 1 and ${MAX_GRAIN_SECTORS}`, file, 'grainSize', at);
  check(h.numGTEsPerGT >= 1 && h.numGTEsPerGT <= MAX_GTES_PER_GT, 'CORRUPT', `${h.numGTEsPerGT} entries per grain table is out of range`, file, 'numGTEsPerGT', at);
  check(Number.isSafeInteger(h.capacity * SECTOR), 'CORRUPT', `capacity ${h.capacity} sectors is out of range`, file, 'capacity', at);
  check(h.descriptorOffset * SECTOR <= fileSize, 'TRUNCATED', `embedded descriptor at sector ${h.descriptorOffset} is past the end of the file (${fileSize} bytes)`, file, 'descriptorOffset', at);
  check(h.overHead * SECTOR <= fileSize || !!(h.flags & FLAG_MARKERS), 'TRUNCATED', `overhead of ${h.overHead} sectors is past the end of the file (${fileSize} bytes)`, file, 'overHead', at);
}

/** Stream footer per §4.3: footer marker at size−1536, footer at size−1024, EOS at size−512. */
async function readFooter(dev: BlockDevice): Promise<{ buf: Buffer; at: number } | null> {
  if (dev.size < 4 * SECTOR || dev.size % SECTOR !== 0) return null;
  const tail = await readExact(dev, dev.size - 3 * SECTOR, 3 * SECTOR, 'stream footer');
  const markerSize = tail.readUInt32LE(8);
  const markerType = tail.readUInt32LE(12);
  const footer = tail.subarray(SECTOR, 2 * SECTOR);
  const eos = tail.subarray(2 * SECTOR);
  if (markerSize !== 0 || markerType !== 3 || footer.readUInt32LE(0) !== KDMV) return null;
  if (eos.readUInt32LE(8) !== 0 || eos.readUInt32LE(12) !== 0) return null;
  return { buf: Buffer.from(footer), at: dev.size - 2 * SECTOR };
}

export interface HeaderResult {
  header: SparseHeader;
  /** Layout as found: "plain", "stream: GD at front", "stream: footer", "stream: header and footer". */
  layout: string;
  warnings: string[];
}

/** Read and validate the header in force: the sector-0 header, or for stream files the footer when present. */
export async function readSparseHeader(dev: BlockDevice): Promise<HeaderResult> {
  const file = dev.name;
  const buf = await readExact(dev, 0, SECTOR, 'sparse header');
  const magic = buf.readUInt32LE(0);
  const odd = kdmvProblem(magic);
  if (odd) throw new VmfskitError('UNSUPPORTED', odd, { file, structure: 'sparse header magic', offset: 0 });
  if (magic !== KDMV) throw new VmfskitError('BAD_MAGIC', `magic 0x${magic.toString(16).padStart(8, '0')} is not KDMV`, { file, structure: 'sparse header magic', offset: 0 });
  const head = decodeHeader(buf, 0);
  validate(head, file, dev.size, buf);
  const warnings: string[] = [];
  if (!(head.flags & FLAG_MARKERS)) return { header: head, layout: 'plain', warnings };

  const f = await readFooter(dev);
  if (!f) {
    if (head.gdAtEnd) {
      throw new VmfskitError('TRUNCATED', 'grain directory is "at end" (gdOffset = -1) but the file has no footer: the stream was cut short', {
        file,
        structure: 'stream footer',
        offset: Math.max(0, dev.size - 3 * SECTOR),
      });
    }
    return { header: head, layout: 'stream: GD at front', warnings };
  }
  const foot = decodeHeader(f.buf, f.at);
  validate(foot, file, dev.size, f.buf);
  if (foot.gdAtEnd) throw new VmfskitError('CORRUPT', 'footer gdOffset is -1 too', { file, structure: 'stream footer field gdOffset', offset: f.at + 56 });
  if (!head.gdAtEnd && head.gdOffset !== foot.gdOffset) {
    warnings.push(`header gdOffset ${head.gdOffset} and footer gdOffset ${foot.gdOffset} differ: the footer is used`);
  }
  return { header: foot, layout: head.gdAtEnd ? 'stream: footer' : 'stream: header and footer', warnings };
}

/**
 * The descriptor embedded in a hosted sparse file (monolithicSparse, streamOptimized), or null
 * when the header has none (a lone x-s001.vmdk extent). Parsed with its file offsets.
 */
export async function readEmbeddedDescriptor(dev: BlockDevice, h: SparseHeader, display: string): Promise<Descriptor | null> {
  if (!(h.descriptorOffset > 0 && h.descriptorSize > 0)) return null;
  const bytes = Math.min(h.descriptorSize * SECTOR, MAX_DESCRIPTOR_BYTES, dev.size - h.descriptorOffset * SECTOR);
  const text = await readExact(dev, h.descriptorOffset * SECTOR, bytes, 'embedded descriptor');
  return parseDescriptor(text, display, { base: h.descriptorOffset * SECTOR, embedded: true });
}
