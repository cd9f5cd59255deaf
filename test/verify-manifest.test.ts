/**
 * Check-file parsing, line by line, against the formats in conventions.md §(c):
 * coreutils GNU and BSD (`--tag`) lines, escaped names, xxhsum tags, hashdeep.
 */
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/hash/manifest.js';
import { parseSumLine, gnuLine, bsdLine } from '../src/hash/sum-lines.js';
import { parseHashdeep } from '../src/hash/hashdeep-file.js';

const MD5 = '90128720be966861317f992a7e729340';
const SHA1 = '1f289a40466561c32ab5fda42d8118fe7fc4d2f3';
const SHA256 = 'a42292cce19dd8730d8ade2b201b21cbee040b32bd316dc71600bc990232432d';

describe('md5sum / sha*sum / xxhsum lines', () => {
  it('GNU text and binary mode; the algorithm from the hex length', () => {
    expect(parseSumLine(`${MD5}  a.bin`, 1)).toEqual({ name: 'a.bin', algorithm: 'md5', hex: MD5, line: 1 });
    expect(parseSumLine(`${SHA1} *dir/a b.bin`, 2)).toEqual({ name: 'dir/a b.bin', algorithm: 'sha1', hex: SHA1, line: 2 });
    expect(parseSumLine(`${SHA256.toUpperCase()}  x`, 3)?.hex).toBe(SHA256);
    expect(parseSumLine('ce783430c8c72ae6  x', 4)?.algorithm).toBe('xxh64');
  });

  it('BSD tag lines, including a name with ") = " in it', () => {
    expect(parseSumLine(`MD5 (a.bin) = ${MD5}`, 1)).toMatchObject({ name: 'a.bin', algorithm: 'md5' });
    expect(parseSumLine(`SHA256 (x) = y) = ${SHA256}`, 1)).toMatchObject({ name: 'x) = y', algorithm: 'sha256' });
    expect(parseSumLine('XXH64 (a.bin) = ce783430c8c72ae6', 1)).toMatchObject({ algorithm: 'xxh64' });
    expect(parseSumLine('XXH32 (a.bin) = 02cc5d05', 1)).toMatchObject({ algorithm: 'xxh32' });
    // A tag whose digest has the wrong length is not a checksum line.
    expect(parseSumLine(`SHA1 (a.bin) = ${MD5}`, 1)).toBeUndefined();
  });

  it('escaped names round-trip through our writers', () => {
    const name = 'a\\b\nc';
    expect(gnuLine(MD5, name)).toBe(`\\${MD5}  a\\\\b\\nc`);
    expect(bsdLine('sha1', SHA1, name)).toBe(`\\SHA1 (a\\\\b\\nc) = ${SHA1}`);
    expect(parseSumLine(gnuLine(MD5, name), 1)?.name).toBe(name);
    expect(parseSumLine(bsdLine('sha1', SHA1, name), 1)?.name).toBe(name);
  });

  it('CRLF files, comments and blank lines; malformed lines counted; entries grouped by name', () => {
    const m = parseManifest(
      [`${MD5}  a.bin`, '# comment', '', `SHA256 (a.bin) = ${SHA256}`, 'garbage', `${SHA1}  b.bin`].join('\r\n'),
      'm.txt',
    );
    expect(m.format).toBe('sums');
    expect(m.malformed).toEqual([5]);
    expect(m.entries).toEqual([
      { name: 'a.bin', expected: { md5: MD5, sha256: SHA256 }, line: 1 },
      { name: 'b.bin', expected: { sha1: SHA1 }, line: 6 },
    ]);
  });

  it('two different digests for one name and algorithm are a conflict', () => {
    const m = parseManifest(`${MD5}  a\n${'0'.repeat(32)}  a\n`, 'm');
    expect(m.conflicts).toHaveLength(1);
  });

  it('a file with no checksum line is refused with a one-line error', () => {
    expect(() => parseManifest('hello\nworld\n', 'm.txt')).toThrow(/m\.txt: no properly formatted checksum lines/);
  });
});

describe('hashdeep files', () => {
  const head = '%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,filename\n## Invoked from: /x\n## \n';
  it('reads size, the listed hashes and names with commas', () => {
    const e = parseHashdeep(`${head}8,${MD5},${SHA1},${SHA256},/x/a,b.bin\n`, 'h.txt');
    expect(e).toEqual([{ name: '/x/a,b.bin', size: 8, hashes: { md5: MD5, sha1: SHA1, sha256: SHA256 }, line: 5 }]);
  });

  it('unknown algorithms (tiger, whirlpool) are skipped, the rest kept', () => {
    const e = parseHashdeep(`%%%% HASHDEEP-1.0\n%%%% size,tiger,md5,filename\n3,abc,${MD5},f\n`, 'h');
    expect(e[0]!.hashes).toEqual({ md5: MD5 });
  });

  it('errors name the file, the line and its byte offset', () => {
    expect(() => parseHashdeep('%%%% HASHDEEP-1.1\n', 'h.txt')).toThrow('h.txt: line 1 at byte 0 (0x0): not a hashdeep file');
    expect(() => parseHashdeep(`${head}x,${MD5},${SHA1},${SHA256},f\n`, 'h.txt')).toThrow(`h.txt: line 5 at byte ${head.length} (0x${head.length.toString(16)}): size 'x' is not a byte count`);
    expect(() => parseHashdeep(`${head}1,${MD5}\n`, 'h.txt')).toThrow('expected 5 comma-separated fields');
  });
});
