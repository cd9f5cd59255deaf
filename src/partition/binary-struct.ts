/**
 * Declarative little-endian structure decoding: each on-disk structure is
 * written once as a table of { field: [offset, type] } and decoded here, so
 * the layouts read like the format reference.
 */

export type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | 'uuid16' | 'guid' | `cstr:${number}` | `bytes:${number}` | `utf16:${number}`;
export type Layout = Record<string, readonly [offset: number, type: FieldType]>;

type Decoded<T extends FieldType> = T extends 'u8' | 'u16' | 'u32' | 'u64' ? number : T extends `bytes:${number}` ? Buffer : string;
export type Struct<L extends Layout> = { -readonly [K in keyof L]: Decoded<L[K][1]> };

/** Bytes a layout needs: its largest field end. */
export function layoutSize(layout: Layout): number {
  let end = 0;
  for (const [off, type] of Object.values(layout)) end = Math.max(end, off + fieldSize(type));
  return end;
}

function fieldSize(type: FieldType): number {
  switch (type) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
      return 8;
    case 'uuid16':
    case 'guid':
      return 16;
    default:
      return Number(type.slice(type.indexOf(':') + 1));
  }
}

/**
 * u64 fields decode to a Number; values above 2^53 come out as unsafe
 * integers, which every validator rejects with Number.isSafeInteger.
 */
const fieldLists = new WeakMap<Layout, Array<[string, readonly [number, FieldType]]>>();

export function decode<L extends Layout>(layout: L, buf: Buffer, base = 0): Struct<L> {
  const out: Record<string, unknown> = {};
  let fields = fieldLists.get(layout);
  if (!fields) fieldLists.set(layout, (fields = Object.entries(layout)));
  for (const [name, [off, type]] of fields) {
    const at = base + off;
    switch (type) {
      case 'u8':
        out[name] = buf.readUInt8(at);
        break;
      case 'u16':
        out[name] = buf.readUInt16LE(at);
        break;
      case 'u32':
        out[name] = buf.readUInt32LE(at);
        break;
      case 'u64':
        // Two u32 reads, no BigInt: exact below 2^53, and not a safe integer above (validators reject it).
        out[name] = buf.readUInt32LE(at + 4) * 0x100000000 + buf.readUInt32LE(at);
        break;
      case 'uuid16':
        out[name] = vmwareUuid(buf, at);
        break;
      case 'guid':
        out[name] = guid(buf, at);
        break;
      default: {
        const n = fieldSize(type);
        const slice = buf.subarray(at, at + n);
        if (type.startsWith('bytes:')) out[name] = Buffer.from(slice);
        else if (type.startsWith('utf16:')) out[name] = cutAtNul(slice.toString('utf16le'));
        else out[name] = cutAtNul(slice.toString('utf8'));
      }
    }
  }
  return out as Struct<L>;
}

function cutAtNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** VMware UUID: u32 time-low, u32 time-high, u16 random, 6 MAC bytes → "%08x-%08x-%04x-%012x". */
export function vmwareUuid(buf: Buffer, at: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(buf.readUInt32LE(at), 8)}-${hex(buf.readUInt32LE(at + 4), 8)}-${hex(buf.readUInt16LE(at + 8), 4)}-${buf.subarray(at + 10, at + 16).toString('hex')}`;
}

/** GPT GUID: first three fields little-endian, the rest as stored; upper case as sgdisk prints it. */
export function guid(buf: Buffer, at: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const b = buf.subarray(at, at + 16);
  return `${hex(b.readUInt32LE(0), 8)}-${hex(b.readUInt16LE(4), 4)}-${hex(b.readUInt16LE(6), 4)}-${b.subarray(8, 10).toString('hex')}-${b.subarray(10, 16).toString('hex')}`.toUpperCase();
}
