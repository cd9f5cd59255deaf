/**
 * The fuzzer's one source of damage. Everything is derived from a seeded PRNG,
 * so a case is reproduced from (format, seed, case number) alone: the
 * regression tests regenerate the mutated input instead of storing it.
 *
 * Binary damage is a list of patches over a base (a Buffer or a BlockDevice,
 * so a 500 MB LUN image is never copied): bit flips, random bytes, boundary
 * values written into named header fields (the declared structs' offsets),
 * duplicated and zeroed sectors, truncation. Text damage (descriptors,
 * .vmx/.vmsd) changes tokens and lines.
 */

export type Rng = () => number;

/** mulberry32: small, fast, good enough to spread mutations. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG of one case: FNV-1a of "format:seed:case", so cases are independent of run order. */
export function caseRng(format: string, seed: number, index: number): Rng {
  let h = 0x811c9dc5;
  for (const c of `${format}:${seed}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return rng(h);
}

export const int = (r: Rng, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/**
 * Seeded damage for the small VMDK fuzzers (test/vmdk-fuzz, test/cli-fuzz): each call returns a
 * copy of `base` with 1 to `maxFlips` bytes replaced, mostly in the header (first sector) and
 * metadata (first 24 sectors), sometimes anywhere. Kept byte-for-byte as those tests had it, so
 * their mutation sequences did not change when it moved here.
 */
export function damager(seed: number, maxFlips: number): (base: Buffer) => Buffer {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return (base) => {
    const b = Buffer.from(base);
    for (let k = 1 + Math.floor(rnd() * maxFlips); k > 0; k--) {
      const region = rnd() < 0.5 ? 512 : rnd() < 0.5 ? 24 * 512 : b.length;
      b[Math.floor(rnd() * Math.min(region, b.length))] = Math.floor(rnd() * 256);
    }
    return b;
  };
}

/** A numeric header field at an absolute offset of the base. */
export interface Field {
  name: string;
  offset: number;
  size: 1 | 2 | 4 | 8;
}

/** A stretch of the base that holds metadata (where damage is worth making). */
export interface Region {
  start: number;
  length: number;
}

type LayoutLike = Record<string, number | readonly [number, string]>;

/**
 * The numeric fields of a declared structure at `base`: tuple layouts
 * (binary-struct.ts, vmdk/struct.ts) give their own widths; plain offset
 * tables (COWD, SESparse) share one width.
 */
export function fieldsOf(layout: LayoutLike, base: number, prefix: string, plainWidth: 4 | 8 = 4): Field[] {
  const widths: Record<string, 1 | 2 | 4 | 8> = { u8: 1, u16: 2, u32: 4, u64: 8 };
  const out: Field[] = [];
  for (const [name, v] of Object.entries(layout)) {
    const [off, size] = typeof v === 'number' ? [v, plainWidth] : [v[0], widths[v[1]]];
    if (size) out.push({ name: `${prefix}.${name}`, offset: base + off, size });
  }
  return out;
}

export interface Patch {
  at: number;
  bytes: Buffer;
}

export interface Mutation {
  patches: Patch[];
  /** Truncated length, when the mutation cuts the input short. */
  size?: number;
  /** What was done, for the report of a failing case. */
  ops: string[];
}

export interface BinarySeed {
  size: number;
  regions: Region[];
  fields: Field[];
  /** The base's bytes at [at, at+n) (for bit flips and duplicated blocks). */
  bytes(at: number, n: number): Buffer;
}

const TWO32 = 2 ** 32;

/** Values that break size and offset arithmetic, for a field whose current value is `v`. */
function boundaryValues(v: bigint, size: number): bigint[] {
  const max = (1n << BigInt(size * 8)) - 1n;
  const raw = [0n, 1n, max, max - 1n, 1n << 31n, (1n << 31n) - 1n, BigInt(TWO32 - 1), 1n << 32n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, v + 1n, v - 1n, v * 2n, v << 9n, v >> 9n, 0x200n, 0x10000n];
  return raw.map((x) => x & max);
}

function readLE(b: Buffer, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] ?? 0);
  return v;
}

function writeLE(v: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Number((v >> BigInt(i * 8)) & 0xffn);
  return b;
}

function inRegion(r: Rng, s: BinarySeed): number {
  const reg = s.regions.length ? pick(r, s.regions) : { start: 0, length: s.size };
  return Math.min(s.size - 1, reg.start + int(r, Math.max(1, reg.length)));
}

/** 1–4 operations over the seed's metadata; at most one truncation. */
export function mutateBinary(r: Rng, s: BinarySeed): Mutation {
  const m: Mutation = { patches: [], ops: [] };
  const n = 1 + int(r, 4);
  for (let k = 0; k < n; k++) {
    const op = r();
    if (op < 0.25) {
      const at = inRegion(r, s);
      const bit = int(r, 8);
      m.patches.push({ at, bytes: Buffer.from([s.bytes(at, 1)[0]! ^ (1 << bit)]) });
      m.ops.push(`flip bit ${bit} at ${at}`);
    } else if (op < 0.4) {
      const at = inRegion(r, s);
      const v = int(r, 256);
      m.patches.push({ at, bytes: Buffer.from([v]) });
      m.ops.push(`byte ${v} at ${at}`);
    } else if (op < 0.75 && s.fields.length) {
      const f = pick(r, s.fields);
      const v = pick(r, boundaryValues(readLE(s.bytes(f.offset, f.size), f.size), f.size));
      m.patches.push({ at: f.offset, bytes: writeLE(v, f.size) });
      m.ops.push(`${f.name} = ${v}`);
    } else if (op < 0.85) {
      // Duplicated block: a sector of metadata copied over another (a GT over the GD, an FD over the next ...).
      const from = inRegion(r, s) & ~511;
      const to = inRegion(r, s) & ~511;
      const len = Math.min(512 << int(r, 4), s.size - Math.max(from, to));
      if (len > 0) {
        m.patches.push({ at: to, bytes: s.bytes(from, len) });
        m.ops.push(`copy ${len} bytes from ${from} to ${to}`);
      }
    } else if (op < 0.92) {
      const at = inRegion(r, s) & ~511;
      const len = Math.min(512, s.size - at);
      m.patches.push({ at, bytes: Buffer.alloc(len, r() < 0.5 ? 0 : 0xff) });
      m.ops.push(`fill sector at ${at}`);
    } else if (m.size === undefined) {
      // Truncation: inside a metadata region, at a sector boundary, or a little short of the end.
      const c = r();
      const size = c < 0.4 ? inRegion(r, s) : c < 0.7 ? inRegion(r, s) & ~511 : Math.max(0, s.size - 1 - int(r, 4096));
      m.size = size;
      m.ops.push(`truncate to ${size}`);
    }
  }
  return m;
}

/** Apply a mutation to a copy of `base`. */
export function applyToBuffer(base: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(base);
  for (const p of m.patches) p.bytes.copy(b, p.at, 0, Math.max(0, Math.min(p.bytes.length, b.length - p.at)));
  return m.size === undefined ? b : b.subarray(0, m.size);
}

/** A seed over an in-memory base. */
export function bufferSeed(base: Buffer, regions: Region[], fields: Field[]): BinarySeed {
  return { size: base.length, regions, fields, bytes: (at, n) => Buffer.from(base.subarray(at, at + n)) };
}

const NUMBERS = ['0', '1', '-1', '2147483648', '4294967295', '4294967296', '9007199254740992', '18446744073709551615', '1e9', '0x10', '007', '', '-0', 'NaN'];
const TOKENS = [
  'RW', 'RDONLY', 'NOACCESS', 'FLAT', 'SPARSE', 'ZERO', 'VMFS', 'VMFSSPARSE', 'SESPARSE', 'VMFSRDM', 'VMFSRAW',
  'createType', 'parentCID', 'CID', 'parentFileNameHint', 'version', 'encoding', 'monolithicSparse', 'streamOptimized',
  'vmfs', 'vmfsSparse', 'seSparse', 'twoGbMaxExtentSparse', 'vmfsRawDeviceMap', 'ffffffff', 'fffffffe', '"', '=', '#', '\\', '/', '..',
  '../../../etc/passwd', '/vmfs/volumes/x/y.vmdk', 'C:\\VMs\\a.vmdk', '\0', '\r', '\t', '\u00ff', 'x'.repeat(300), 'TRUE', 'FALSE',
];

/** Token, line and byte damage to a text file; `lines` are extra lines worth inserting (extent lines, keys). */
export function mutateText(r: Rng, text: string, lines: readonly string[] = []): { text: string; ops: string[] } {
  let ls = text.split('\n');
  const ops: string[] = [];
  const n = 1 + int(r, 3);
  for (let k = 0; k < n; k++) {
    const op = r();
    const i = int(r, Math.max(1, ls.length));
    if (op < 0.4) {
      // Replace one token of a line (words, numbers and quoted strings are tokens).
      const parts = (ls[i] ?? '').split(/(\s+|"|=)/);
      const j = int(r, Math.max(1, parts.length));
      const v = r() < 0.5 ? pick(r, NUMBERS) : pick(r, TOKENS);
      parts[j] = v;
      ls[i] = parts.join('');
      ops.push(`line ${i} token ${j} = ${JSON.stringify(v).slice(0, 40)}`);
    } else if (op < 0.5) {
      ls.splice(i, 1);
      ops.push(`delete line ${i}`);
    } else if (op < 0.62) {
      const line = r() < 0.5 || !lines.length ? (ls[i] ?? '') : pick(r, lines);
      // Thousands of copies of a short line (extent lines); a long "line" of a binary file is copied
      // a few times only, or the fuzzer itself, not the parser, would use the memory.
      const times = Math.min(pick(r, [1, 2, 10, 300, 20000]), line.length > 200 ? 10 : Infinity);
      ls.splice(i, 0, ...Array<string>(times).fill(line));
      ops.push(`insert ${times} x ${JSON.stringify(line).slice(0, 60)} at ${i}`);
    } else if (op < 0.7) {
      const j = int(r, Math.max(1, ls.length));
      [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      ops.push(`swap lines ${i} ${j}`);
    } else if (op < 0.8) {
      const at = int(r, text.length + 1);
      ls = ls.join('\n').slice(0, at).split('\n');
      ops.push(`cut at ${at}`);
    } else if (op < 0.9) {
      const line = ls[i] ?? '';
      const at = int(r, line.length + 1);
      const v = pick(r, ['\0', '\r', '\xff', '"', '\n', ' ', '=', '\u2028', 'é']);
      ls[i] = line.slice(0, at) + v + line.slice(at);
      ops.push(`insert ${JSON.stringify(v)} in line ${i} at ${at}`);
    } else {
      // Numbers into boundary values.
      const line = ls[i] ?? '';
      ls[i] = line.replace(/\d+/, pick(r, NUMBERS));
      ops.push(`line ${i} first number -> boundary`);
    }
  }
  return { text: ls.join('\n'), ops };
}
