/**
 * Targets whose input is a folder of small files (a VMDK and its extents,
 * a VM folder): each seed is a set of files, one of which a case damages
 * (binary patches, or text changes for descriptors and config files). The
 * untouched files are written once per worker; the damaged one per case.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { applyToBuffer, bufferSeed, int, mutateBinary, mutateText, type Field, type Mutation, type Region, type Rng } from './mutate.js';
import type { Fixture, Outcome } from './target.js';

export interface FileSeed {
  label: string;
  files: Record<string, Buffer>;
  /** The file a case damages. */
  target: string;
  /** Binary damage: where the metadata is and the named header fields. */
  regions?: Region[];
  fields?: Field[];
  /** Text damage (descriptor, .vmx), with lines worth inserting. */
  text?: { lines: readonly string[] };
}

export interface FileCase {
  seed: number;
  /** Binary damage: patches over the seed file (written in place, undone after the case). */
  mutation?: Mutation;
  /** Text damage: the whole new file. */
  text?: Buffer;
  ops: string[];
}

/** Write a binary mutation into the file in place; returns the undo. */
function patchInPlace(file: string, base: Buffer, m: Mutation): () => void {
  const fd = openSync(file, 'r+');
  try {
    for (const p of m.patches) writeSync(fd, p.bytes, 0, Math.max(0, Math.min(p.bytes.length, base.length - p.at)), p.at);
    if (m.size !== undefined) ftruncateSync(fd, m.size);
  } finally {
    closeSync(fd);
  }
  return () => {
    const fd2 = openSync(file, 'r+');
    try {
      if (m.size !== undefined) writeSync(fd2, base, m.size, base.length - m.size, m.size);
      for (const p of m.patches) writeSync(fd2, base, p.at, Math.max(0, Math.min(p.bytes.length, base.length - p.at)), p.at);
    } finally {
      closeSync(fd2);
    }
  };
}

/** Run `exercise(dir, seed)` on the folder holding the damaged file. */
export function fileSetFixture(seeds: FileSeed[], exercise: (dir: string, seed: FileSeed) => Promise<Outcome | void>): Fixture<FileCase> {
  const written = new Set<string>();
  return {
    mutate(r: Rng): FileCase {
      const k = int(r, seeds.length);
      const s = seeds[k]!;
      const base = s.files[s.target]!;
      if (s.text && (!s.regions || r() < 0.7)) {
        const t = mutateText(r, base.toString('utf8'), s.text.lines);
        return { seed: k, text: Buffer.from(t.text, 'utf8'), ops: t.ops };
      }
      const m: Mutation = mutateBinary(r, bufferSeed(base, s.regions ?? [{ start: 0, length: base.length }], s.fields ?? []));
      return { seed: k, mutation: m, ops: m.ops };
    },
    async exercise(c, dir) {
      const s = seeds[c.seed]!;
      const sub = path.join(dir, `seed${c.seed}`);
      if (!written.has(sub)) {
        rmSync(sub, { recursive: true, force: true });
        mkdirSync(sub, { recursive: true });
        for (const [name, b] of Object.entries(s.files)) writeFileSync(path.join(sub, name), b);
        written.add(sub);
      }
      const file = path.join(sub, s.target);
      const base = s.files[s.target]!;
      if (c.text) {
        writeFileSync(file, c.text);
        try {
          return await exercise(sub, s);
        } finally {
          writeFileSync(file, base);
        }
      }
      const undo = patchInPlace(file, base, c.mutation!);
      try {
        return await exercise(sub, s);
      } finally {
        undo();
      }
    },
    describe: (c) => `seed ${seeds[c.seed]!.label}, ${seeds[c.seed]!.target}: ${c.ops.join('; ')}`,
    save(c, dir) {
      const s = seeds[c.seed]!;
      mkdirSync(dir, { recursive: true });
      for (const [name, b] of Object.entries(s.files)) writeFileSync(path.join(dir, name), name !== s.target ? b : (c.text ?? applyToBuffer(b, c.mutation!)));
      return Object.keys(s.files).map((n) => path.join(dir, n));
    },
  };
}
