/**
 * Decides the output file names and refuses unsafe destinations before a
 * byte is written: an existing output (unless --force), anything that is
 * not a regular file (a device, a directory), and — with or without
 * --force — any name that is one of the input files.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Piece } from './file-sink.js';
import { VmfskitError } from '../errors.js';

/** TSK and FTK-style split sets number their pieces .001 … .999. */
export const MAX_PIECES = 999;

export interface DestinationPlan {
  pieces: Piece[];
  /** Higher-numbered pieces of an older set (NAME.00N beyond ours): removed after success under --force. */
  stale: string[];
}

export function pieceName(dst: string, index: number): string {
  return `${dst}.${String(index + 1).padStart(3, '0')}`;
}

type Identity = { dev: number; ino: number; name: string };

/** dev+ino of each input that can be stat'ed. */
export async function identities(files: string[]): Promise<Identity[]> {
  const out: Identity[] = [];
  for (const f of new Set(files)) {
    try {
      const st = await fsp.stat(f);
      out.push({ dev: st.dev, ino: st.ino, name: f });
    } catch {
      /* not a host file (or gone): cannot be overwritten through this name either */
    }
  }
  return out;
}

export function sameAsInput(st: fs.Stats, inputs: Identity[]): Identity | undefined {
  return inputs.find((i) => i.dev === st.dev && i.ino === st.ino);
}

async function statOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fsp.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new VmfskitError('OPEN', `cannot check the output: ${(e as Error).message}`, { file });
  }
}

/** Refusals that --force does not lift. */
function refuseAlways(file: string, st: fs.Stats, inputs: Identity[]): void {
  const same = sameAsInput(st, inputs);
  if (same) throw new VmfskitError('USAGE', `is the input file ${same.name}: refusing to overwrite evidence`, { file });
  if (!st.isFile()) throw new VmfskitError('USAGE', 'exists and is not a regular file; write to stdout with - and redirect instead', { file });
}

export async function planDestination(dst: string, size: number, split: number | undefined, force: boolean, inputFiles: string[]): Promise<DestinationPlan> {
  const inputs = await identities(inputFiles);
  const pieces: Piece[] = [];
  if (split === undefined) {
    pieces.push({ final: dst, partial: `${dst}.partial`, start: 0, size });
  } else {
    const count = Math.max(1, Math.ceil(size / split));
    if (count > MAX_PIECES) {
      throw new VmfskitError('USAGE', `--split ${split} would make ${count} pieces; split sets stop at .${MAX_PIECES}: use a larger size`);
    }
    for (let i = 0; i < count; i++) {
      const start = i * split;
      pieces.push({ final: pieceName(dst, i), partial: `${pieceName(dst, i)}.partial`, start, size: Math.min(split, size - start) });
    }
  }
  const dir = path.dirname(path.resolve(dst));
  const dirSt = await statOrNull(dir);
  if (!dirSt?.isDirectory()) throw new VmfskitError('NOT_FOUND', 'the output folder does not exist', { file: dir });

  const existing: string[] = [];
  const leftovers: string[] = [];
  for (const p of pieces) {
    for (const name of [p.final, p.partial]) {
      const st = await statOrNull(name);
      if (!st) continue;
      refuseAlways(name, st, inputs);
      (name === p.final ? existing : leftovers).push(name);
    }
  }
  const stale: string[] = [];
  if (split !== undefined) {
    // A longer old set left behind would be read on by TSK as if it belonged to ours.
    for (let i = pieces.length; i < MAX_PIECES; i++) {
      const st = await statOrNull(pieceName(dst, i));
      if (!st) break;
      refuseAlways(pieceName(dst, i), st, inputs);
      stale.push(pieceName(dst, i));
    }
  }
  if (!force && (existing.length || stale.length)) {
    const all = [...existing, ...stale];
    const more = all.length > 1 ? ` (and ${all.length - 1} more piece${all.length > 2 ? 's' : ''})` : '';
    throw new VmfskitError('EXISTS', `output exists${more}; use --force to replace it`, { file: all[0] });
  }
  if (!force && leftovers.length) {
    throw new VmfskitError('EXISTS', 'a partial output of another conversion is here (running, or killed); remove it or use --force', { file: leftovers[0] });
  }
  for (const name of leftovers) await fsp.unlink(name);
  return { pieces, stale };
}
