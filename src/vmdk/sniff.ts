/** Is this file a VMDK (any of its kinds), judged by content, never by name (vmdk-format §0)? */
import type { BlockDevice } from '../device/block-device.js';
import { decode } from './struct.js';
import { looksLikeDescriptor, MAX_DESCRIPTOR_BYTES } from './descriptor.js';
import { HEADER } from './sparse-header.js';

const KDMV = 0x564d444b;
const COWD = 0x44574f43;
const MAGICS = new Set([
  KDMV, // hosted sparse / stream-optimized
  0x766d646b, // kdmv: unfinished sparse file (recognised so that opening it explains itself)
  COWD, // ESX sparse delta
]);
const SESPARSE = 0xcafebabe;
/** The first line VMware writes in every descriptor (vmdk-format §2). */
const DESCRIPTOR_MARK = /^\s*# Disk DescriptorFile/;

async function head(dev: BlockDevice, n: number): Promise<Buffer> {
  const b = Buffer.alloc(Math.min(dev.size, n));
  await dev.read(b, 0);
  return b;
}

export async function sniff(dev: BlockDevice): Promise<boolean> {
  if (dev.size < 4) return false;
  const h = await head(dev, 4096);
  const magic = h.readUInt32LE(0);
  if (MAGICS.has(magic)) return true;
  if (magic === SESPARSE && h.length >= 8 && h.readUInt32LE(4) === 0) return true;
  if (dev.size > MAX_DESCRIPTOR_BYTES) return false;
  // A text file that starts as VMware starts a descriptor is one, however damaged the rest: its
  // parser then names the bad line instead of the file reading silently as its text.
  return looksLikeDescriptor(h) || (h.indexOf(0) < 0 && DESCRIPTOR_MARK.test(h.toString('latin1')));
}

/** Bytes in which two 32-bit values differ. */
function bytesOff(a: number, b: number): number {
  let n = 0;
  for (let x = (a ^ b) >>> 0; x; x >>>= 8) if (x & 0xff) n++;
  return n;
}

/**
 * What makes a file that `sniff` refused look like a damaged VMDK, or null: a hosted sparse
 * header that is whole but for its magic (one byte of "KDMV" changed, or the newline-check bytes
 * "\n \r\n" at 73 that only that header has), a COWD or SESparse magic one byte off with its
 * version intact, or descriptor text at sector 1 (the embedded descriptor) behind an unknown
 * magic. Read as plain bytes such a file would give the container, not the disk, without a word.
 */
export async function damagedVmdk(dev: BlockDevice): Promise<string | null> {
  if (dev.size < 512) return null;
  const h = await head(dev, 1024);
  const magic = h.readUInt32LE(0);
  const shown = `magic 0x${magic.toString(16).padStart(8, '0')}`;
  const s = decode(HEADER, h);
  const newline = h.readUInt32BE(73) === 0x0a200d0a;
  const plausible = s.version >= 1 && s.version <= 3 && s.grainSize > 0 && s.grainSize <= 1 << 14 && (s.grainSize & (s.grainSize - 1)) === 0 && s.capacity > 0 && Number.isSafeInteger(s.capacity);
  if (plausible && (newline || bytesOff(magic, KDMV) === 1)) {
    return `a hosted sparse VMDK header (version ${s.version}, capacity ${s.capacity} sectors, grain ${s.grainSize} sectors) with ${shown}, not "KDMV"`;
  }
  if (bytesOff(magic, COWD) === 1 && h.readUInt32LE(4) === 1) return `a COWD delta header (version 1) with ${shown}, not "COWD"`;
  if (bytesOff(magic, SESPARSE) === 1 && h.readUInt32LE(4) === 0 && h.readBigUInt64LE(8) === 0x200000001n) return `an SESparse header (version 2.1) with ${shown}, not 0xcafebabe`;
  const sector1 = h.subarray(512);
  if (DESCRIPTOR_MARK.test(sector1.toString('latin1')) || looksLikeDescriptor(sector1)) {
    return `VMDK descriptor text at byte 512 (an embedded descriptor) behind ${shown}`;
  }
  return null;
}
