/**
 * The entropy map as a picture: rows of strips, each pixel a stretch of the
 * disk coloured by class, row-start and tick offsets written under each
 * strip, the guest's partitions drawn as bars below it, and a legend.
 * A pixel that covers several windows shows the most suspicious class among
 * them (random > compressed > data > zero): one encrypted MiB in a big disk
 * must still be visible.
 */
import { encodePng } from './png.js';
import { GLYPH_H, GLYPH_W, glyph } from './bitmap-font.js';
import type { EntropyScan } from './entropy-scan.js';

export interface PicturePartition {
  index: number;
  start: number;
  size: number;
}

type Rgb = readonly [number, number, number];
export const COLOURS: Record<'zero' | 'data' | 'compressed' | 'random', Rgb> = {
  zero: [225, 225, 225],
  data: [46, 104, 186],
  compressed: [245, 166, 35],
  random: [214, 39, 40],
};
const CLASS_RGB: Rgb[] = [COLOURS.zero, COLOURS.data, COLOURS.compressed, COLOURS.random];
const BG: Rgb = [255, 255, 255];
const INK: Rgb = [20, 20, 20];
const PART: Rgb[] = [
  [60, 160, 90],
  [140, 80, 170],
];

const STRIP_W = 1024;
const MAX_ROWS = 32;
const TEXT = 2; // text scale
const CH = (GLYPH_W + 1) * TEXT; // character advance
const MARGIN = 16;
const LABEL_W = 8 * CH;
const STRIP_H = 28;
const BAND_H = 14;
const TICK_H = 5;
const ROW_H = STRIP_H + 2 + BAND_H + TICK_H + GLYPH_H * TEXT + 14;
const HEADER_H = 3 * (GLYPH_H * TEXT + 10) + 12;

class Canvas {
  readonly rgb: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.rgb = new Uint8Array(w * h * 3);
    this.rect(0, 0, w, h, BG);
  }
  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const x1 = Math.min(this.w, Math.floor(x + w));
    for (let yy = Math.max(0, y); yy < Math.min(this.h, y + h); yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.w + xx) * 3;
        this.rgb[i] = c[0];
        this.rgb[i + 1] = c[1];
        this.rgb[i + 2] = c[2];
      }
    }
  }
  text(x: number, y: number, s: string, c: Rgb = INK): number {
    for (const ch of s) {
      const g = glyph(ch);
      if (g) {
        for (let r = 0; r < GLYPH_H; r++) for (let col = 0; col < GLYPH_W; col++) if (g[r * GLYPH_W + col] === '#') this.rect(x + col * TEXT, y + r * TEXT, TEXT, TEXT, c);
      }
      x += CH;
    }
    return x;
  }
}

/** 0, 512K, 1.5M, 4G, 1.25T — short enough for a tick label. */
export function shortBytes(n: number): string {
  if (n === 0) return '0';
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = v >= 100 || Number.isInteger(v) ? Math.round(v).toString() : v >= 10 ? v.toFixed(1) : (Math.round(v * 100) / 100).toString();
  return s.replace(/\.0+$/, '') + units[u];
}

export interface PictureOptions {
  title: string;
  partitions: PicturePartition[];
  /** A line under the title (e.g. how "random" was decided). */
  subtitle?: string;
}

export function drawEntropy(scan: EntropyScan, opts: PictureOptions): Buffer {
  const nW = Math.max(1, scan.cls.length);
  // Windows per pixel: fractional (wide windows) when the whole disk fits in one strip.
  const q = nW <= STRIP_W ? nW / STRIP_W : Math.ceil(nW / (STRIP_W * MAX_ROWS));
  const rows = nW <= STRIP_W ? 1 : Math.ceil(nW / (q * STRIP_W));
  const bytesPerPx = q * scan.window;
  const width = MARGIN * 2 + LABEL_W + STRIP_W;
  const height = HEADER_H + rows * ROW_H + MARGIN;
  const cv = new Canvas(width, height);

  cv.text(MARGIN, MARGIN, opts.title);
  let x = MARGIN;
  const ly = MARGIN + GLYPH_H * TEXT + 12;
  for (const [name, label] of [
    ['zero', 'ZERO'],
    ['data', 'DATA'],
    ['compressed', 'COMPRESSED'],
    ['random', 'RANDOM (ENCRYPTED?)'],
  ] as const) {
    cv.rect(x, ly, 24, GLYPH_H * TEXT, COLOURS[name]);
    x = cv.text(x + 30, ly, label) + 2 * CH;
  }
  if (opts.partitions.length) {
    cv.rect(x, ly + 4, 24, GLYPH_H * TEXT - 8, PART[0]!);
    x = cv.text(x + 30, ly, 'PARTITIONS') + 2 * CH;
  }
  if (opts.subtitle) cv.text(MARGIN, ly + GLYPH_H * TEXT + 10, opts.subtitle, [90, 90, 90]);

  const sx = MARGIN + LABEL_W;
  for (let r = 0; r < rows; r++) {
    const y = HEADER_H + r * ROW_H;
    const rowStart = r * STRIP_W * bytesPerPx;
    cv.text(MARGIN, y + (STRIP_H - GLYPH_H * TEXT) / 2, shortBytes(Math.min(rowStart, scan.size)));
    let drawn = 0;
    for (let px = 0; px < STRIP_W; px++) {
      const g = r * STRIP_W + px;
      const w0 = Math.floor(g * q);
      if (w0 >= scan.cls.length) break;
      const w1 = Math.max(w0 + 1, Math.min(scan.cls.length, Math.floor((g + 1) * q)));
      let c = 0;
      for (let w = w0; w < w1; w++) if (scan.cls[w]! > c) c = scan.cls[w]!;
      cv.rect(sx + px, y, 1, STRIP_H, CLASS_RGB[c]!);
      drawn = px + 1;
    }
    // Partitions: bars under the strip where they lie in this row.
    const by = y + STRIP_H + 2;
    const rowEnd = rowStart + STRIP_W * bytesPerPx;
    for (const [i, p] of opts.partitions.entries()) {
      const a = Math.max(p.start, rowStart);
      const b = Math.min(p.start + p.size, rowEnd, scan.size);
      if (b <= a) continue;
      const x0 = (a - rowStart) / bytesPerPx;
      const x1 = Math.max(x0 + 1, (b - rowStart) / bytesPerPx);
      cv.rect(sx + x0, by, x1 - x0, BAND_H, PART[i % 2]!);
      const label = `P${p.index}`;
      if (p.start >= rowStart && x1 - x0 >= label.length * CH + 4) cv.text(sx + x0 + 3, by, label, BG);
    }
    // Ticks every quarter strip, labelled with the offset there.
    const ty = by + BAND_H;
    for (let t = 0; t <= 4; t++) {
      const px = (t * STRIP_W) / 4;
      if (px > drawn) break;
      const tx = Math.min(sx + px, sx + STRIP_W - 1);
      cv.rect(tx, ty, 1, TICK_H, INK);
      const label = shortBytes(Math.min(scan.size, Math.round(rowStart + px * bytesPerPx)));
      const lx = t === 0 ? tx : t === 4 ? tx - label.length * CH : tx - (label.length * CH) / 2;
      cv.text(lx, ty + TICK_H + 2, label);
    }
  }
  return encodePng(width, height, cv.rgb);
}
