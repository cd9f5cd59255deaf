/**
 * One progress line on stderr, redrawn in place at most 4 times a second:
 * bytes done / total, rate, ETA, and the file (chain layer) being read.
 * Cleared before anything else is printed.
 */
import type { Run } from '../device/block-device.js';
import { formatBytes } from './size.js';

const REDRAW_MS = 250;

export class Progress {
  private readonly t0 = Date.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, run?: Run): void {
    const now = Date.now();
    if (now - this.last < REDRAW_MS) return;
    this.last = now;
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const pct = this.total > 0 ? (100 * done) / this.total : 100;
    const eta = rate > 0 ? formatDuration((this.total - done) / rate) : '--:--';
    let line = `${formatBytes(done)} / ${formatBytes(this.total)} (${pct.toFixed(1)}%)  ${formatBytes(rate)}/s  ETA ${eta}`;
    if (run) line += `  ${describeRun(run)}`;
    const width = this.out.columns ? this.out.columns - 1 : 200;
    this.draw(line.length > width ? line.slice(0, width) : line);
  }

  /** Remove the line (call before printing results or errors). */
  clear(): void {
    if (!this.shown) return;
    this.shown = false;
    this.out.write(this.out.isTTY ? '\r\x1b[2K' : '\r' + ' '.repeat(this.width) + '\r');
  }

  private width = 0;

  private draw(line: string): void {
    // Pad over a longer previous line: a log file or `script` has no erase-line.
    const pad = this.width > line.length ? ' '.repeat(this.width - line.length) : '';
    this.out.write('\r' + line + pad);
    this.width = line.length;
    this.shown = true;
  }
}

function describeRun(run: Run): string {
  const where = run.kind === 'zero' ? 'zeros' : 'reading';
  const file = run.file ? ` ${run.file}` : '';
  const layer = run.depth !== undefined ? ` (layer ${run.depth})` : '';
  return `${where}${file}${layer}`;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
