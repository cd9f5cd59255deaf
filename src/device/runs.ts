/** Helpers for allocation maps (lists of Run). */
import type { Run } from './block-device.js';

/** Same kind, same layer, same file, and (for raw-stored data) contiguous in the file. */
function joinable(a: Run, b: Run): boolean {
  if (a.kind !== b.kind || a.depth !== b.depth || a.file !== b.file || a.compressed !== b.compressed) return false;
  if (a.offset + a.length !== b.offset) return false;
  if (a.fileOffset === undefined && b.fileOffset === undefined) return true;
  return a.fileOffset !== undefined && b.fileOffset !== undefined && a.fileOffset + a.length === b.fileOffset;
}

/** Merge neighbours that agree, in place order. Input must be sorted and contiguous. */
export function mergeRuns(runs: Run[]): Run[] {
  const out: Run[] = [];
  for (const r of runs) {
    if (r.length <= 0) continue;
    const last = out[out.length - 1];
    if (last && joinable(last, r)) last.length += r.length;
    else out.push({ ...r });
  }
  return out;
}

/** Runs with their offsets moved by `delta` (for a device that sits at `delta` inside another). */
export function shiftRuns(runs: Run[], delta: number): Run[] {
  return runs.map((r) => ({ ...r, offset: r.offset + delta }));
}

/** Restrict runs to [offset, offset+length), trimming the ends (fileOffset follows the trim). */
export function clipRuns(runs: Run[], offset: number, length: number): Run[] {
  const end = offset + length;
  const out: Run[] = [];
  for (const r of runs) {
    const s = Math.max(r.offset, offset);
    const e = Math.min(r.offset + r.length, end);
    if (e <= s) continue;
    const c: Run = { ...r, offset: s, length: e - s };
    if (r.fileOffset !== undefined) c.fileOffset = r.fileOffset + (s - r.offset);
    out.push(c);
  }
  return out;
}

/** Convenience: the whole range as one run of `kind`. */
export function singleRun(offset: number, length: number, kind: Run['kind'], extra: Partial<Run> = {}): Run[] {
  return length > 0 ? [{ offset, length, kind, ...extra }] : [];
}

/** Bytes in runs of kind `data`. */
export function dataBytes(runs: Run[]): number {
  let n = 0;
  for (const r of runs) if (r.kind === 'data') n += r.length;
  return n;
}
