/**
 * VMFS-6 hashed directories (vmfs-format.md §10.2), listed by scanning: "."
 * and ".." from the 64 KiB header, then every used slot of every entry block
 * the allocation maps name, in block and slot order, up to the header's entry
 * count. The name hash table and link groups are only a lookup shortcut; a
 * scan needs neither.
 */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import { MAX_DIR_BYTES, type DirEntry } from './directory.js';
import type { DirectoryContext } from './versions/format.js';

/** The header block: its own 64 KiB, before block 0. */
const HEADER_BYTES = 0x10000;
const HEADER = { version: 0x000, entries: 0x004, mapBlockCount: 0x00c, mapBlocks: 0x010, dot: 0x3b8, dotdot: 0x4d8 } as const;
/** 0x00F50001; debug builds write 0x00FDC001 (§10.2). */
const VERSIONS = new Set([0x00f50001, 0x00fdc001]);
const MAX_MAP_BLOCKS = 128;
/** Every block after the header starts with version u16, type u16, total slots u16, free slots u16, a 56-byte slot bitmap. */
const BLOCK_HEADER = 64;
const BITMAP = 8;
const BLOCK_TYPE = { ENTRIES: 1, LINKS: 2, MAP: 3 } as const;
/** An entry: type, FD address, generation, name hash halves, own offset, 256-byte name. */
const ENTRY = { size: 0x120, type: 0x00, fdAddress: 0x04, generation: 0x08, name: 0x18, nameBytes: 256 } as const;

export async function readHashedDirectory(file: BlockDevice, A: number, ctx: DirectoryContext): Promise<DirEntry[]> {
  const size = file.size;
  if (size < HEADER_BYTES + A || (size - HEADER_BYTES) % A !== 0) {
    throw new VmfskitError('CORRUPT', `hashed directory length ${size} is not the 64 KiB header plus whole ${A}-byte blocks (at least one)`, ctx.lengthWhere());
  }
  if (size > MAX_DIR_BYTES) throw new VmfskitError('CORRUPT', `directory length ${size} is beyond the ${MAX_DIR_BYTES}-byte sanity limit`, ctx.lengthWhere());
  const buf = Buffer.alloc(size);
  await file.read(buf, 0);
  const bad = async (problem: string, at: number, structure: string) => new VmfskitError('CORRUPT', problem, await ctx.where(at, structure));
  const version = buf.readUInt32LE(HEADER.version);
  if (!VERSIONS.has(version)) throw await bad(`hashed directory version 0x${version.toString(16)} is not known (0xf50001)`, HEADER.version, 'hashed directory header');
  const want = buf.readUInt32LE(HEADER.entries);
  const blocks = (size - HEADER_BYTES) / A;
  // Two slots per entry block at the least; more entries than that is a damaged count.
  if (want < 2 || want > 2 + blocks * Math.floor((A - BLOCK_HEADER) / ENTRY.size)) throw await bad(`entry count ${want} does not fit a directory of ${blocks} blocks`, HEADER.entries, 'hashed directory header');
  const mapCount = buf.readUInt32LE(HEADER.mapBlockCount);
  if (mapCount < 1 || mapCount > MAX_MAP_BLOCKS) throw await bad(`${mapCount} allocation-map blocks (1–${MAX_MAP_BLOCKS})`, HEADER.mapBlockCount, 'hashed directory header');
  const blockAt = (b: number) => HEADER_BYTES + b * A;

  // Map block i describes blocks i × 2(A − 64) + k, one nibble each, high nibble first (§10.2).
  const maps = new Map<number, number>();
  for (let i = 0; i < mapCount; i++) {
    const at = HEADER.mapBlocks + 4 * i;
    const b = buf.readUInt32LE(at);
    if (b >= blocks) throw await bad(`allocation-map block ${b} is outside the directory (${blocks} blocks)`, at, `hashed directory header map pointer ${i}`);
    if (maps.has(b)) throw await bad(`allocation-map block ${b} is named twice (a loop)`, at, `hashed directory header map pointer ${i}`);
    maps.set(b, i);
  }
  const perMap = 2 * (A - BLOCK_HEADER);
  const entryBlocks: number[] = [];
  const named = new Set<number>();
  for (const [b, i] of maps) {
    const base = blockAt(b) + BLOCK_HEADER;
    for (let k = 0; k < perMap; k++) {
      const byte = buf[base + (k >> 1)]!;
      const nibble = k & 1 ? byte & 0xf : byte >> 4;
      if ((nibble & 3) !== BLOCK_TYPE.ENTRIES) continue;
      const blk = i * perMap + k;
      const at = base + (k >> 1);
      const where = `allocation map block ${b} entry ${k}`;
      if (blk >= blocks) throw await bad(`names entry block ${blk}, outside the directory (${blocks} blocks)`, at, where);
      if (maps.has(blk)) throw await bad(`names allocation-map block ${blk} as an entry block (a loop)`, at, where);
      if (named.has(blk)) throw await bad(`names entry block ${blk} a second time (a loop)`, at, where);
      named.add(blk);
      entryBlocks.push(blk);
    }
  }
  entryBlocks.sort((x, y) => x - y);

  const out: DirEntry[] = [entry(buf, HEADER.dot, '.'), entry(buf, HEADER.dotdot, '..')];
  const slots = Math.floor((A - BLOCK_HEADER) / ENTRY.size);
  for (const b of entryBlocks) {
    if (out.length >= want) break;
    const at = blockAt(b);
    const type = buf.readUInt16LE(at + 2);
    if (type !== BLOCK_TYPE.ENTRIES) throw await bad(`the allocation map calls it an entry block, its header says type ${type}`, at + 2, `directory block ${b}`);
    const total = buf.readUInt16LE(at + 4);
    if (total !== slots) throw await bad(`${total} slots, an entry block of ${A} bytes has ${slots}`, at + 4, `directory block ${b}`);
    for (let s = 0; s < slots && out.length < want; s++) {
      // Slot bitmap: bit set = free.
      if (buf[at + BITMAP + (s >> 3)]! & (1 << (s & 7))) continue;
      const e = entry(buf, at + BLOCK_HEADER + s * ENTRY.size);
      if (e.fdAddress !== 0) out.push(e);
    }
  }
  if (out.length < want) throw await bad(`the header counts ${want} entries, the entry blocks hold ${out.length}`, HEADER.entries, 'hashed directory header');
  return out;
}

function entry(buf: Buffer, off: number, name?: string): DirEntry {
  const at = off + ENTRY.name;
  const nul = buf.indexOf(0, at);
  // Names are NUL padded in 256 bytes; ESXi writes at most 255 (a NUL always ends them).
  const end = nul < 0 || nul > at + ENTRY.nameBytes - 1 ? at + ENTRY.nameBytes - 1 : nul;
  return {
    type: buf.readUInt32LE(off + ENTRY.type),
    fdAddress: buf.readUInt32LE(off + ENTRY.fdAddress),
    generation: buf.readUInt32LE(off + ENTRY.generation),
    name: name ?? buf.toString('utf8', at, end),
    offset: off,
    volumeOffset: 0,
  };
}
