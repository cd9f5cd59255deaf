/**
 * The VMDK text descriptor (vmdk-format §1): header keys, extent lines and
 * the disk database. Parsed line by line from bytes, so every error can name
 * its line number and byte offset, and file names are decoded with the
 * descriptor's own `encoding`.
 */
import { VmfskitError } from '../errors.js';

/** qemu reads at most 1 MiB of descriptor; anything larger is not a descriptor. */
export const MAX_DESCRIPTOR_BYTES = 1 << 20;

/** Sum of extent sizes must stay addressable as a JS number of bytes. */
const MAX_SECTORS = Math.floor(Number.MAX_SAFE_INTEGER / 512);

export const NO_PARENT = 0xffffffff;

/**
 * More extent lines than any VMware disk has: a twoGbMaxExtent disk at Workstation's 8 TB maximum
 * has 4096, an ESXi disk one. Beyond this the descriptor is damaged, and opening thousands of
 * extents would only run the machine out of time and file handles.
 */
export const MAX_EXTENTS = 8192;

export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';

export interface ExtentLine {
  access: ExtentAccess;
  sectors: number;
  /** Upper-case extent type: FLAT, SPARSE, ZERO, VMFS, VMFSSPARSE, SESPARSE, VMFSRDM, VMFSRAW, VSANSPARSE ... */
  type: string;
  filename?: string;
  /** Start sector inside the named file (FLAT, and VMFS as vmware-vdiskmanager writes it). */
  offset?: number;
  /** Fields after the offset (device ids): kept, not used. */
  extra: string[];
  /** 1-based line number and byte offset of the line (within the file that holds the text). */
  line: number;
  byteOffset: number;
}

export interface KeyLine {
  key: string;
  value: string;
  line: number;
  byteOffset: number;
}

export interface Descriptor {
  version: number;
  encoding: string;
  cid: number;
  parentCid: number;
  createType: string;
  parentFileNameHint?: string;
  /** Every header key as written (known and unknown), in file order. */
  header: KeyLine[];
  extents: ExtentLine[];
  /** `ddb.*` keys, original spelling. */
  ddb: Record<string, string>;
  warnings: string[];
  /** Where a header key was written (for error offsets), by lower-case key. */
  where(key: string): KeyLine | undefined;
}

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z0-9_]+)(?:\s+(.*))?$/i;
const KEY_RE = /^([^=]+?)\s*=\s*(.*)$/;

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** After the text, writers pad with NULs (qemu), and line-ending converters may leave a CR or LF among them. */
function isPadding(b: number): boolean {
  return b === 0 || b === 0x0d || b === 0x0a || b === 0x20 || b === 0x09;
}

/** Split raw bytes into lines (LF; CR stripped), remembering each line's byte offset. */
function splitLines(bytes: Buffer): Array<{ raw: Buffer; offset: number }> {
  const lines: Array<{ raw: Buffer; offset: number }> = [];
  let start = 0;
  while (start < bytes.length) {
    let nl = bytes.indexOf(0x0a, start);
    if (nl < 0) nl = bytes.length;
    let end = nl;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    lines.push({ raw: bytes.subarray(start, end), offset: start });
    start = nl + 1;
  }
  return lines;
}

/** The `encoding` key, found before decoding (all supported charsets are ASCII-compatible for keys). */
function findEncoding(lines: Array<{ raw: Buffer }>): string | undefined {
  for (const l of lines) {
    const m = KEY_RE.exec(l.raw.toString('latin1').trim());
    if (m && /^(ddb\.)?encoding$/i.test(m[1]!.trim())) return unquote(m[2]!);
  }
  return undefined;
}

function makeDecoder(encoding: string | undefined, bytes: Buffer, warnings: string[], file: string): (b: Buffer) => string {
  if (encoding) {
    try {
      const dec = new TextDecoder(encoding.toLowerCase());
      return (b) => dec.decode(b);
    } catch {
      warnings.push(`descriptor encoding "${encoding}" is unknown here; names decoded as UTF-8`);
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const dec = new TextDecoder('utf-8');
    return (b) => dec.decode(b);
  } catch {
    if (encoding) throw new VmfskitError('CORRUPT', 'descriptor text is neither in its declared encoding nor UTF-8', { file });
    warnings.push('descriptor has no encoding key and is not valid UTF-8: decoded as windows-1252');
    const dec = new TextDecoder('windows-1252');
    return (b) => dec.decode(b);
  }
}

/** Parse "FILENAME" [OFFSET [more]] after the extent type. */
function parseExtentTail(tail: string, where: { file: string; structure: string; offset: number }): { filename?: string; offset?: number; extra: string[] } {
  let rest = tail.trim();
  if (!rest) return { extra: [] };
  if (!rest.startsWith('"')) throw new VmfskitError('CORRUPT', `extent file name must be in double quotes: ${rest}`, where);
  const close = rest.indexOf('"', 1);
  if (close < 0) throw new VmfskitError('CORRUPT', 'extent file name has no closing quote', where);
  const filename = rest.slice(1, close);
  if (!filename) throw new VmfskitError('CORRUPT', 'extent file name is empty', where);
  rest = rest.slice(close + 1).trim();
  const fields = rest ? rest.split(/\s+/) : [];
  let offset: number | undefined;
  if (fields.length) {
    const f = fields.shift()!;
    if (!/^\d+$/.test(f) || Number(f) > MAX_SECTORS) throw new VmfskitError('CORRUPT', `extent offset "${f}" is not a sector number`, where);
    offset = Number(f);
  }
  return { filename, offset, extra: fields };
}

function parseCid(k: KeyLine, file: string): number {
  const v = k.value.trim();
  if (!/^[0-9a-fA-F]{1,8}$/.test(v)) {
    throw new VmfskitError('CORRUPT', `${k.key} "${v}" is not a 32-bit hex content id`, {
      file,
      structure: `descriptor line ${k.line}`,
      offset: k.byteOffset,
    });
  }
  return parseInt(v, 16) >>> 0;
}

/**
 * Parse descriptor bytes. `base` is the byte offset of the text in `file`
 * (an embedded descriptor sits at descriptorOffset × 512), so offsets in
 * errors are file offsets. `embedded` text ends at the first NUL; a
 * stand-alone file must not contain NULs before its end.
 */
export function parseDescriptor(bytes: Buffer, file: string, opts: { base?: number; embedded?: boolean } = {}): Descriptor {
  const base = opts.base ?? 0;
  if (bytes.length > MAX_DESCRIPTOR_BYTES) {
    throw new VmfskitError('CORRUPT', `descriptor is ${bytes.length} bytes, more than the ${MAX_DESCRIPTOR_BYTES}-byte limit`, { file, offset: base });
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    if (!opts.embedded) {
      for (let i = nul; i < bytes.length; i++) {
        if (!isPadding(bytes[i]!)) throw new VmfskitError('CORRUPT', 'binary data inside descriptor text', { file, structure: 'descriptor', offset: base + nul });
      }
    }
    bytes = bytes.subarray(0, nul);
  }
  const warnings: string[] = [];
  const lines = splitLines(bytes);
  const decodeText = makeDecoder(findEncoding(lines), bytes, warnings, file);

  const header: KeyLine[] = [];
  const extents: ExtentLine[] = [];
  const ddb: Record<string, string> = {};
  lines.forEach((l, i) => {
    const lineNo = i + 1;
    const text = decodeText(l.raw).trim();
    if (!text || text.startsWith('#')) return;
    const where = { file, structure: `descriptor line ${lineNo}`, offset: base + l.offset };
    const ext = EXTENT_RE.exec(text);
    if (ext) {
      const sectors = Number(ext[2]);
      if (!Number.isSafeInteger(sectors) || sectors > MAX_SECTORS) throw new VmfskitError('CORRUPT', `extent size ${ext[2]} sectors is out of range`, where);
      const type = ext[3]!.toUpperCase();
      const tail = parseExtentTail(ext[4] ?? '', where);
      if (!tail.filename && type !== 'ZERO') throw new VmfskitError('CORRUPT', `${type} extent without a file name`, where);
      if (extents.length >= MAX_EXTENTS) throw new VmfskitError('CORRUPT', `more than ${MAX_EXTENTS} extent lines (no VMware disk has that many): a damaged descriptor`, where);
      extents.push({ access: ext[1]!.toUpperCase() as ExtentAccess, sectors, type, ...tail, line: lineNo, byteOffset: base + l.offset });
      return;
    }
    const kv = KEY_RE.exec(text);
    if (kv && /^[A-Za-z][\w.]*$/.test(kv[1]!)) {
      const entry = { key: kv[1]!, value: unquote(kv[2]!), line: lineNo, byteOffset: base + l.offset };
      if (/^ddb\./i.test(entry.key)) ddb[entry.key] = entry.value;
      else header.push(entry);
      return;
    }
    const shown = text.length > 60 ? text.slice(0, 60) + '...' : text;
    throw new VmfskitError('CORRUPT', `not a "key = value" or extent line: ${JSON.stringify(shown)}`, where);
  });

  const byKey = new Map<string, KeyLine>();
  for (const h of header) if (!byKey.has(h.key.toLowerCase())) byKey.set(h.key.toLowerCase(), h);
  const where = (key: string) => byKey.get(key.toLowerCase());

  const versionLine = where('version');
  if (!versionLine) throw new VmfskitError('BAD_MAGIC', 'not a VMDK descriptor: no "version=" line', { file, structure: 'descriptor', offset: base });
  if (!/^\d+$/.test(versionLine.value)) {
    throw new VmfskitError('CORRUPT', `version "${versionLine.value}" is not a number`, { file, structure: `descriptor line ${versionLine.line}`, offset: versionLine.byteOffset });
  }
  if (!extents.length) throw new VmfskitError('CORRUPT', 'descriptor has no extent lines', { file, structure: 'descriptor', offset: base });
  let total = 0;
  for (const e of extents) total += e.sectors;
  if (total > MAX_SECTORS) throw new VmfskitError('CORRUPT', 'sum of extent sizes is out of range', { file, structure: 'descriptor', offset: base });

  const cidLine = where('CID');
  const parentLine = where('parentCID');
  if (!cidLine) warnings.push('descriptor has no CID');
  const createType = where('createType')?.value ?? '';
  if (!createType) warnings.push('descriptor has no createType');
  return {
    version: Number(versionLine.value),
    encoding: where('encoding')?.value ?? ddb['ddb.encoding'] ?? 'UTF-8',
    cid: cidLine ? parseCid(cidLine, file) : NO_PARENT,
    parentCid: parentLine ? parseCid(parentLine, file) : NO_PARENT,
    createType,
    parentFileNameHint: where('parentFileNameHint')?.value || undefined,
    header,
    extents,
    ddb,
    warnings,
    where,
  };
}

/** Cheap test used when sniffing: does this text look like a descriptor (no NULs, a version line, an extent line)? */
export function looksLikeDescriptor(head: Buffer): boolean {
  const nul = head.indexOf(0);
  const text = head.subarray(0, nul < 0 ? head.length : nul).toString('latin1');
  if (nul >= 0 && !head.subarray(nul).every(isPadding)) return false; // binary, not text
  return /^\s*version\s*=/im.test(text) && (/^\s*(RW|RDONLY|NOACCESS)\s+\d+\s+\w+/im.test(text) || /^\s*createType\s*=/im.test(text));
}
