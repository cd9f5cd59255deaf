/**
 * Declarative little-endian structure decoding: a structure is a table of
 * (field, offset, type); decode() turns bytes into a plain object. 64-bit
 * fields become numbers when exact, else Infinity, so every later bounds
 * check on them fails loudly instead of silently losing precision.
 */
export type FieldType = 'u8' | 'u16' | 'u32' | 'u64';

export type Layout = Record<string, readonly [offset: number, type: FieldType]>;

export type Decoded<L extends Layout> = { [K in keyof L]: number };

const SIZE: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };

export function layoutSize(layout: Layout): number {
  let end = 0;
  for (const [off, t] of Object.values(layout)) end = Math.max(end, off + SIZE[t]);
  return end;
}

/** Read a u64 as a number; values above 2^53 come back as Infinity. */
export function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Infinity;
}

export function decode<L extends Layout>(layout: L, buf: Buffer, base = 0): Decoded<L> {
  const out: Record<string, number> = {};
  for (const [name, [off, t]] of Object.entries(layout)) {
    const at = base + off;
    out[name] = t === 'u8' ? buf.readUInt8(at) : t === 'u16' ? buf.readUInt16LE(at) : t === 'u32' ? buf.readUInt32LE(at) : u64(buf, at);
  }
  return out as Decoded<L>;
}
