/**
 * The VMFS-6 hashed directory (format §10.2): the name hash H, and the bytes
 * of a directory file — 64 KiB header with "." / ".." and the 16001-slot
 * hash table, then 4 KiB blocks: allocation-map blocks (block i × 8064),
 * entry blocks of 14 slots, and link blocks (48 groups of 12 links) for
 * names whose table slot is already taken. Entries are placed in creation
 * order, the way ESXi fills `/directory` of the sample (slots 0–5 for
 * file1–file4, symlink, file5); a link block is taken when the first
 * collision needs one.
 */
import {
  DIR_BLOCK_HEADER, DIR_BLOCK_HEADER_SIZE, DIR_ENTRY, DIR_ENTRY_SIZE, DIR_HASH_SLOTS, DIR_HASH_TABLE, DIR_HEADER, DIR_HEADER_SIZE,
  DIR_MAP_LIST, DIR_PARENT_ENTRY, DIR_SELF_ENTRY, DIR_VERSION, LINK_GROUP, LINK_GROUP_SIZE, LINK_OFFSET, LINK_SIZE, LINKS_PER_GROUP,
  ROOT_HASH_SLOTS, encode,
} from './structs.js';
import { MD } from './geometry.js';

const M64 = (1n << 64n) - 1n;
const SALT = 0x739a75c28e61b017n;

/** H of a name (format §10.2): salted 256-byte key, Bob Jenkins' lookup8 over 32 u64 words. */
export function nameHash(name: Buffer): bigint {
  if (name.length > 255) throw new Error(`name of ${name.length} bytes: at most 255`);
  const key = Buffer.alloc(256);
  name.copy(key);
  for (let off = Math.floor((name.length + 8) / 8) * 8; off < 128; off += 8) key.writeBigUInt64LE(SALT, off);
  const w = (i: number): bigint => key.readBigUInt64LE(8 * i);
  let a = 42n;
  let b = 42n;
  let c = 0x9e3779b97f4a7c13n;
  const mix = (): void => {
    a = (a - b - c) & M64; a ^= c >> 43n;
    b = (b - c - a) & M64; b ^= (a << 9n) & M64;
    c = (c - a - b) & M64; c ^= b >> 8n;
    a = (a - b - c) & M64; a ^= c >> 38n;
    b = (b - c - a) & M64; b ^= (a << 23n) & M64;
    c = (c - a - b) & M64; c ^= b >> 5n;
    a = (a - b - c) & M64; a ^= c >> 35n;
    b = (b - c - a) & M64; b ^= (a << 49n) & M64;
    c = (c - a - b) & M64; c ^= b >> 11n;
    a = (a - b - c) & M64; a ^= c >> 12n;
    b = (b - c - a) & M64; b ^= (a << 18n) & M64;
    c = (c - a - b) & M64; c ^= b >> 22n;
  };
  for (let i = 0; i < 30; i += 3) {
    a = (a + w(i)) & M64;
    b = (b + w(i + 1)) & M64;
    c = (c + w(i + 2)) & M64;
    mix();
  }
  c = (c + 32n) & M64;
  a = (a + w(30)) & M64;
  b = (b + w(31)) & M64;
  mix();
  return c;
}

export interface DirChild {
  type: number;
  fdAddress: number;
  generation: number;
  name: string;
  /** Root system files: a reserved table slot and zero hash fields (format §10.2). */
  reservedSlot?: number;
}

/** Slots of an entry block (14) and of a link block (48) for A = 4096. */
export const ENTRY_SLOTS = Math.floor((MD - DIR_BLOCK_HEADER_SIZE) / DIR_ENTRY_SIZE);
export const LINK_SLOTS = Math.floor((MD - DIR_BLOCK_HEADER_SIZE) / LINK_GROUP_SIZE);
/** Blocks one allocation-map block describes: one nibble each (format §10.2). */
export const BLOCKS_PER_MAP = 2 * (MD - DIR_BLOCK_HEADER_SIZE);
/** Root table slot of `.fbb.sf`; the other system files follow in §10.2 order. */
export const ROOT_SYSTEM_SLOT = 15974;

const BT = { entry: 1, link: 2, map: 3 } as const;

interface Block {
  type: 1 | 2 | 3;
  capacity: number;
  used: number;
}

const location = (kind: number, block: number, slot: number): number => ((slot << 24) | (block << 2) | kind) >>> 0;

/** Where each child landed, and the directory file's bytes. */
export interface DirLayout {
  bytes: Buffer;
  /** Entry blocks, link blocks and map blocks used (for the record). */
  entryBlocks: number;
  linkBlocks: number;
  mapBlocks: number;
  linkGroups: number;
}

export function directoryBytes(self: DirChild, parent: DirChild, children: readonly DirChild[], isRoot: boolean): DirLayout {
  const blocks: Block[] = [];
  const mapBlocks: number[] = [];
  const newBlock = (type: 1 | 2): number => {
    // A block number that falls where a map block belongs gets the map block first.
    while (blocks.length % BLOCKS_PER_MAP === 0) {
      mapBlocks.push(blocks.length);
      blocks.push({ type: BT.map, capacity: 0, used: 0 });
    }
    blocks.push({ type, capacity: type === BT.entry ? ENTRY_SLOTS : LINK_SLOTS, used: 0 });
    return blocks.length - 1;
  };
  // The map exists even in a directory without entries (.sdd.sf: header + map block).
  mapBlocks.push(0);
  blocks.push({ type: BT.map, capacity: 0, used: 0 });

  const entries: Array<{ child: DirChild; block: number; slot: number; hash: bigint }> = [];
  const links: Array<{ block: number; slot: number; hashIndex: number; items: Array<{ loc: number; linkHash: number }>; next: number }> = [];
  const table = new Map<number, number>();
  let entryBlock = -1;
  let linkBlock = -1;
  const slots = isRoot ? ROOT_HASH_SLOTS : DIR_HASH_SLOTS;
  const take = (kind: 'entry' | 'link'): { block: number; slot: number } => {
    let b = kind === 'entry' ? entryBlock : linkBlock;
    if (b < 0 || blocks[b]!.used === blocks[b]!.capacity) {
      b = newBlock(kind === 'entry' ? BT.entry : BT.link);
      if (kind === 'entry') entryBlock = b;
      else linkBlock = b;
    }
    return { block: b, slot: blocks[b]!.used++ };
  };
  const newGroup = (hashIndex: number): (typeof links)[number] => {
    const at = take('link');
    const g = { ...at, hashIndex, items: [], next: 0 };
    links.push(g);
    return g;
  };
  const groupAt = (loc: number): (typeof links)[number] => links.find((g) => location(2, g.block, g.slot) === loc)!;

  for (const child of children) {
    const nameBytes = Buffer.from(child.name, 'utf8');
    const hash = child.reservedSlot === undefined ? nameHash(nameBytes) : 0n;
    const at = take('entry');
    entries.push({ child, ...at, hash });
    const loc = location(1, at.block, at.slot);
    const linkHash = Number((hash >> 16n) & 0xffffn);
    const s = child.reservedSlot ?? Number(hash % BigInt(slots));
    const old = table.get(s);
    if (old === undefined) {
      table.set(s, loc);
      continue;
    }
    if ((old & 3) === 1) {
      // The slot held one entry: it becomes a link group holding both.
      const prev = entries.find((e) => location(1, e.block, e.slot) === old)!;
      const g = newGroup(s);
      g.items.push({ loc: old, linkHash: Number((prev.hash >> 16n) & 0xffffn) }, { loc, linkHash });
      table.set(s, location(2, g.block, g.slot));
      continue;
    }
    let g = groupAt(old);
    while (g.next) g = groupAt(g.next);
    if (g.items.length === LINKS_PER_GROUP) {
      const n = newGroup(s);
      g.next = location(2, n.block, n.slot);
      g = n;
    }
    g.items.push({ loc, linkHash });
  }

  const bytes = Buffer.alloc(DIR_HEADER_SIZE + blocks.length * MD);
  encode(bytes, 0, DIR_HEADER, { version: DIR_VERSION, numEntries: 2 + children.length, numAllocated: 2 + children.length, numMapBlocks: mapBlocks.length });
  if (mapBlocks.length > 128) throw new Error(`directory needs ${mapBlocks.length} allocation-map blocks; the header lists 128`);
  mapBlocks.forEach((b, i) => bytes.writeUInt32LE(b, DIR_MAP_LIST + 4 * i));
  const writeEntry = (at: number, c: DirChild, name: string, hash: bigint): void => {
    encode(bytes, at, DIR_ENTRY, {
      type: c.type, fdAddress: c.fdAddress, generation: c.generation, hashLow: Number(hash & 0xffffn), hashHigh: Number((hash >> 16n) & 0xffffn), offset: at, name,
    });
  };
  writeEntry(DIR_SELF_ENTRY, self, '.', 0n);
  writeEntry(DIR_PARENT_ENTRY, parent, '..', 0n);
  for (const [s, loc] of table) bytes.writeUInt32LE(loc, DIR_HASH_TABLE + 4 * s);
  const blockAt = (b: number): number => DIR_HEADER_SIZE + b * MD;
  for (const e of entries) writeEntry(blockAt(e.block) + DIR_BLOCK_HEADER_SIZE + e.slot * DIR_ENTRY_SIZE, e.child, e.child.name, e.hash);
  for (const g of links) {
    const at = blockAt(g.block) + DIR_BLOCK_HEADER_SIZE + g.slot * LINK_GROUP_SIZE;
    encode(bytes, at, LINK_GROUP, { hashIndex: g.hashIndex, totalLinks: LINKS_PER_GROUP, freeLinks: LINKS_PER_GROUP - g.items.length, nextFreeIndex: g.items.length, nextGroup: g.next });
    g.items.forEach((l, i) => {
      bytes.writeUInt32LE(l.loc, at + LINK_OFFSET + i * LINK_SIZE);
      bytes.writeUInt16LE(l.linkHash, at + LINK_OFFSET + i * LINK_SIZE + 4);
    });
  }
  blocks.forEach((b, i) => {
    if (b.type === BT.map) {
      // The sample's map block header: version 0, type 3, no slot counts.
      encode(bytes, blockAt(i), DIR_BLOCK_HEADER, { type: BT.map });
      return;
    }
    const bitmap = Buffer.alloc(56);
    for (let s = b.used; s < b.capacity; s++) bitmap[s >> 3]! |= 1 << (s & 7);
    encode(bytes, blockAt(i), DIR_BLOCK_HEADER, { version: 1, type: b.type, totalSlots: b.capacity, freeSlots: b.capacity - b.used, bitmap });
  });
  // Allocation maps: one nibble per block, high nibble first; type | 4 "has free slots" | 8 "never written".
  mapBlocks.forEach((mb, i) => {
    const at = blockAt(mb) + DIR_BLOCK_HEADER_SIZE;
    for (let k = 0; k < BLOCKS_PER_MAP; k++) {
      const b = blocks[i * BLOCKS_PER_MAP + k];
      const nibble = b === undefined ? 8 : b.type | (b.used < b.capacity ? 4 : 0);
      const byte = at + (k >> 1);
      bytes[byte] = (k & 1) === 0 ? (bytes[byte]! & 0x0f) | (nibble << 4) : (bytes[byte]! & 0xf0) | nibble;
    }
  });
  return {
    bytes, entryBlocks: blocks.filter((b) => b.type === BT.entry).length, linkBlocks: blocks.filter((b) => b.type === BT.link).length,
    mapBlocks: mapBlocks.length, linkGroups: links.length,
  };
}
