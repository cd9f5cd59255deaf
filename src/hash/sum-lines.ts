/**
 * The check-file line formats of md5sum/sha*sum (coreutils 9.1) and xxhsum:
 *   GNU:  HEX␠␠NAME      (binary mode: HEX␠*NAME)
 *   BSD:  TAG (NAME) = HEX   (`--tag`; one line per algorithm)
 * A name holding a backslash, newline or CR makes the line start with `\`
 * and the name is escaped (`\\`, `\n`, `\r`).
 */
import { INFO, normalizeAlgorithm, type Algorithm } from './algorithms.js';

function needsEscape(name: string): boolean {
  return /[\\\n\r]/.test(name);
}

function escapeName(name: string): string {
  return name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function unescapeName(name: string): string {
  return name.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

export function gnuLine(hex: string, name: string): string {
  return needsEscape(name) ? `\\${hex}  ${escapeName(name)}` : `${hex}  ${name}`;
}

export function bsdLine(alg: Algorithm, hex: string, name: string): string {
  const tag = INFO[alg].tag;
  return needsEscape(name) ? `\\${tag} (${escapeName(name)}) = ${hex}` : `${tag} (${name}) = ${hex}`;
}

export interface SumEntry {
  name: string;
  /** Undefined when the hex length alone is ambiguous and no tag says which. */
  algorithm: Algorithm | undefined;
  hex: string;
  /** 1-based line number in the check file. */
  line: number;
}

const GNU = /^([0-9a-fA-F]+) [ *](.*)$/;
const BSD = /^([A-Za-z0-9-]+) ?\((.*)\) = ([0-9a-fA-F]+)$/;

/** The algorithm a bare hex digest of this length means (conventions §(c)). */
export function algorithmForLength(len: number): Algorithm | undefined {
  return ({ 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512', 16: 'xxh64', 8: 'xxh32' } as Record<number, Algorithm>)[len];
}

/** Parse one line; undefined when it is not a checksum line (blank, comment, malformed). */
export function parseSumLine(text: string, line: number, fallback?: Algorithm): SumEntry | undefined {
  let s = text.replace(/\r$/, '');
  const escaped = s.startsWith('\\');
  if (escaped) s = s.slice(1);
  const name = (n: string): string => (escaped ? unescapeName(n) : n);
  const bsd = BSD.exec(s);
  if (bsd) {
    const alg = normalizeAlgorithm(bsd[1]!);
    if (!alg || INFO[alg].hexLength !== bsd[3]!.length) return undefined;
    return { name: name(bsd[2]!), algorithm: alg, hex: bsd[3]!.toLowerCase(), line };
  }
  const gnu = GNU.exec(s);
  if (!gnu || !gnu[2]) return undefined;
  const hex = gnu[1]!;
  const alg = fallback && INFO[fallback].hexLength === hex.length ? fallback : algorithmForLength(hex.length);
  if (!alg) return undefined;
  return { name: name(gnu[2]), algorithm: alg, hex: hex.toLowerCase(), line };
}

const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * A name as bytes (it need not be UTF-8: md5sum writes such bytes as they are), escaped as
 * md5sum escapes it; `escaped` says whether the line must start with a backslash.
 */
export function escapeNameBytes(name: Buffer): { bytes: Buffer; escaped: boolean } {
  if (!name.includes(BACKSLASH) && !name.includes(LF) && !name.includes(CR)) return { bytes: name, escaped: false };
  const out: number[] = [];
  for (const b of name) {
    if (b === BACKSLASH) out.push(BACKSLASH, BACKSLASH);
    else if (b === LF) out.push(BACKSLASH, 0x6e);
    else if (b === CR) out.push(BACKSLASH, 0x72);
    else out.push(b);
  }
  return { bytes: Buffer.from(out), escaped: true };
}

/** `HEX  NAME\n` (GNU) as bytes. */
export function gnuLineBytes(hex: string, name: Buffer): Buffer {
  const e = escapeNameBytes(name);
  return Buffer.concat([Buffer.from(`${e.escaped ? '\\' : ''}${hex}  `), e.bytes, NL]);
}

/** `TAG (NAME) = HEX\n` (BSD) as bytes. */
export function bsdLineBytes(alg: Algorithm, hex: string, name: Buffer): Buffer {
  const e = escapeNameBytes(name);
  return Buffer.concat([Buffer.from(`${e.escaped ? '\\' : ''}${INFO[alg].tag} (`), e.bytes, Buffer.from(`) = ${hex}\n`)]);
}

const NL = Buffer.from('\n');
