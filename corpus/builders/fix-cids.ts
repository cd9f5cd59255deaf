/**
 * qemu-img gives every new VMDK a random CID, so two builds of the same
 * corpus would differ. This rewrites, in every descriptor under DIR (stand-
 * alone, or embedded in a sparse file's descriptor area), each `CID=` and
 * `parentCID=` value to one derived from the file's path under DIR, keeping
 * parent links (a parentCID that named an old CID names its new value) and
 * leaving the special values ffffffff and fffffffe alone. qemu writes the
 * CID with %x (no leading zeros), so the length of the text may change by
 * a few bytes: a plain-text descriptor is rewritten whole; NUL-padded text
 * (embedded in a sparse file, or qemu's 512-byte descriptor file) keeps its
 * length, so no offset in a sparse file moves.
 *
 *   node dist/corpus/builders/fix-cids.js DIR
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Stand-alone descriptors are small; an embedded one ends by sector 21 (offset 1, size 20).
const TEXT_BYTES = 21 * 512;
const SPECIAL = new Set(['ffffffff', 'fffffffe']);

function vmdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.vmdk'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(TEXT_BYTES);
    return b.subarray(0, readSync(fd, b, 0, b.length, 0));
  } finally {
    closeSync(fd);
  }
}

export function fixCids(dir: string): void {
  const files = vmdkFiles(dir);
  const renamed = new Map<string, string>();
  for (const f of files) {
    const m = /(?:^|\n)CID=([0-9a-f]{1,8})\r?\n/.exec(head(f).toString('latin1'));
    if (!m || SPECIAL.has(m[1]!)) continue;
    renamed.set(m[1]!, createHash('sha256').update(path.relative(dir, f)).digest('hex').slice(0, 8));
  }
  for (const f of files) {
    const text = head(f).toString('latin1');
    const fixed = text.replace(/(^|\n)(CID|parentCID)=([0-9a-f]{1,8})(?=\r?\n)/g, (all, nl: string, key: string, cid: string) => {
      const now = renamed.get(cid);
      return now ? `${nl}${key}=${now}` : all;
    });
    if (fixed === text) continue;
    if (!text.includes('\0') && statSync(f).size <= TEXT_BYTES) {
      writeFileSync(f, Buffer.from(fixed, 'latin1'));
      continue;
    }
    // NUL-padded text (an embedded descriptor, or qemu's 512-byte stand-alone one):
    // keep the length; what falls off the end must be NUL padding.
    const out = Buffer.alloc(text.length);
    const grown = Buffer.from(fixed, 'latin1');
    grown.copy(out, 0, 0, Math.min(grown.length, out.length));
    if (grown.subarray(out.length).some((b) => b !== 0)) throw new Error(`${f}: descriptor fills its area, cannot rewrite the CID`);
    const fd = openSync(f, 'r+');
    try {
      writeSync(fd, out, 0, out.length, 0);
    } finally {
      closeSync(fd);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: fix-cids.js DIR');
    process.exit(2);
  }
  fixCids(dir);
}
