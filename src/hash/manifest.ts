/**
 * Read a check file of any kind we know — md5sum/sha*sum/xxhsum (GNU or BSD
 * tag lines, escaped names) or hashdeep — into one entry per name with every
 * expected digest for it, so each file is read once whatever the number of
 * algorithms.
 */
import { promises as fsp } from 'node:fs';
import { VmfskitError, fromOsError } from '../errors.js';
import type { Algorithm } from './algorithms.js';
import { parseSumLine } from './sum-lines.js';
import { HASHDEEP_MAGIC, parseHashdeep } from './hashdeep-file.js';

export interface ManifestEntry {
  name: string;
  expected: Partial<Record<Algorithm, string>>;
  /** hashdeep files record the size too. */
  size?: number;
  /** First line that names this file. */
  line: number;
}

export interface Manifest {
  format: 'sums' | 'hashdeep';
  entries: ManifestEntry[];
  /** Lines that are neither blank, comments nor checksum lines (md5sum warns about them). */
  malformed: number[];
  /** Same name, same algorithm, two different digests. */
  conflicts: string[];
}

/** Check files are text; anything this big is not one. */
const MAX_MANIFEST = 256 << 20;

export async function readManifest(file: string, fallback?: Algorithm): Promise<Manifest> {
  let text: string;
  try {
    const st = await fsp.stat(file);
    if (st.size > MAX_MANIFEST) throw new VmfskitError('UNSUPPORTED', `${st.size} bytes is too large for a check file`, { file });
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw fromOsError(e, file);
  }
  return parseManifest(text, file, fallback);
}

export function parseManifest(text: string, file: string, fallback?: Algorithm): Manifest {
  const byName = new Map<string, ManifestEntry>();
  const conflicts: string[] = [];
  const malformed: number[] = [];
  const add = (name: string, line: number, hashes: Partial<Record<Algorithm, string>>, size?: number): void => {
    let e = byName.get(name);
    if (!e) byName.set(name, (e = { name, expected: {}, line }));
    if (size !== undefined) e.size = size;
    for (const [alg, hex] of Object.entries(hashes) as [Algorithm, string][]) {
      if (e.expected[alg] !== undefined && e.expected[alg] !== hex) conflicts.push(`${name} (${alg}, line ${line})`);
      e.expected[alg] = hex;
    }
  };

  if (text.startsWith(HASHDEEP_MAGIC)) {
    for (const h of parseHashdeep(text, file)) add(h.name, h.line, h.hashes, h.size);
    return { format: 'hashdeep', entries: [...byName.values()], malformed, conflicts };
  }
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (l.trim() === '' || l.startsWith('#')) return;
    const s = parseSumLine(l, i + 1, fallback);
    if (!s || !s.algorithm) malformed.push(i + 1);
    else add(s.name, s.line, { [s.algorithm]: s.hex });
  });
  if (byName.size === 0) {
    throw new VmfskitError('BAD_MAGIC', 'no properly formatted checksum lines found (md5sum/sha*sum/xxhsum, BSD tag or hashdeep)', { file });
  }
  return { format: 'sums', entries: [...byName.values()], malformed, conflicts };
}
