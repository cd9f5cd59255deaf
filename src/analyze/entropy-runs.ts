/** Neighbouring windows of one class merged into runs, for text and JSON output. */
import { CLASSES, type EntropyClass } from './entropy-stats.js';
import type { EntropyScan } from './entropy-scan.js';

export interface EntropyRun {
  start: number;
  end: number;
  length: number;
  class: EntropyClass;
  /** Mean over the run's windows, weighted by their lengths (bits per byte). */
  entropy: number;
  /** Mean chi-square statistic (255 degrees of freedom) of the run's windows. */
  chiSquare: number;
  windows: number;
}

export function entropyRuns(scan: EntropyScan): EntropyRun[] {
  const out: EntropyRun[] = [];
  const n = scan.cls.length;
  let sumH = 0;
  let sumChi = 0;
  for (let w = 0; w < n; w++) {
    const start = w * scan.window;
    const len = Math.min(scan.window, scan.size - start);
    const cls = CLASSES[scan.cls[w]!]!;
    let last = out[out.length - 1];
    if (!last || last.class !== cls) {
      if (last) close(last);
      last = { start, end: start, length: 0, class: cls, entropy: 0, chiSquare: 0, windows: 0 };
      out.push(last);
      sumH = 0;
      sumChi = 0;
    }
    last.end = start + len;
    last.length += len;
    last.windows++;
    sumH += scan.entropy[w]! * len;
    sumChi += scan.chiSquare[w]!;
  }
  const tail = out[out.length - 1];
  if (tail) close(tail);
  return out;

  function close(r: EntropyRun): void {
    r.entropy = Math.round((sumH / r.length) * 10000) / 10000;
    r.chiSquare = Math.round((sumChi / r.windows) * 10) / 10;
  }
}

/** Bytes per class over the whole disk. */
export function classTotals(runs: EntropyRun[]): Record<EntropyClass, number> {
  const t = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<EntropyClass, number>;
  for (const r of runs) t[r.class] += r.length;
  return t;
}
