/**
 * hashdeep 4.4 known-hash files:
 *   %%%% HASHDEEP-1.0
 *   %%%% size,md5,sha1,sha256,filename      (the columns, in order)
 *   ## comments
 *   3000000,243f…,c560…,3601…,/abs/or/./rel/name   (CSV; the name may hold commas)
 */
import { VmfskitError } from '../errors.js';
import { normalizeAlgorithm, type Algorithm } from './algorithms.js';

export const HASHDEEP_MAGIC = '%%%% HASHDEEP-1.0';

export interface HashdeepEntry {
  name: string;
  size: number;
  hashes: Partial<Record<Algorithm, string>>;
  line: number;
}

/** Hashes we cannot compute (tiger, whirlpool) are kept out; the size column is always checked. */
export function parseHashdeep(text: string, file: string): HashdeepEntry[] {
  const lines = text.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== HASHDEEP_MAGIC) {
    throw new VmfskitError('BAD_MAGIC', `not a hashdeep file (first line is not '${HASHDEEP_MAGIC}')`, { file, structure: 'line 1', offset: 0 });
  }
  const header = lines[1]?.replace(/\r$/, '');
  const cols = header?.startsWith('%%%% ') ? header.slice(5).split(',') : [];
  if (cols[0] !== 'size' || cols[cols.length - 1] !== 'filename' || cols.length < 3) {
    throw new VmfskitError('CORRUPT', "hashdeep header line 2 must be '%%%% size,<algorithms…>,filename'", {
      file,
      structure: 'line 2',
      offset: lines[0]!.length + 1,
    });
  }
  const algs = cols.slice(1, -1).map((c) => normalizeAlgorithm(c));
  const out: HashdeepEntry[] = [];
  let lastEntryLine = -1;
  let offset = lines[0]!.length + 1 + header!.length + 1;
  for (let i = 2; i < lines.length; offset += lines[i]!.length + 1, i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l === '' || l.startsWith('#')) continue;
    const fields = l.split(',');
    const prev = out[out.length - 1];
    // hashdeep writes a name's newline as it is: a line that is not an entry continues the name before it.
    if (prev && prev.line === lastEntryLine && (fields.length < cols.length || !/^\d+$/.test(fields[0]!))) {
      prev.name += '\n' + lines[i]!;
      continue;
    }
    if (fields.length < cols.length) {
      throw new VmfskitError('CORRUPT', `expected ${cols.length} comma-separated fields`, { file, structure: `line ${i + 1}`, offset });
    }
    const size = Number(fields[0]);
    if (!/^\d+$/.test(fields[0]!) || !Number.isSafeInteger(size)) {
      throw new VmfskitError('CORRUPT', `size '${fields[0]}' is not a byte count`, { file, structure: `line ${i + 1}`, offset });
    }
    const hashes: Partial<Record<Algorithm, string>> = {};
    algs.forEach((a, k) => {
      if (a) hashes[a] = fields[k + 1]!.toLowerCase();
    });
    out.push({ name: fields.slice(cols.length - 1).join(','), size, hashes, line: i + 1 });
    lastEntryLine = i + 1;
  }
  return out;
}
