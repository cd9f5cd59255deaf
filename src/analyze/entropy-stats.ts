/**
 * How a window of bytes is classified (README "vmfskit entropy"). One
 * 256-bin byte histogram per window gives two numbers:
 *
 * - Shannon entropy H = -Σ p·log2 p in bits per byte. Text, file-system
 *   metadata, executables and partly filled blocks stay well below 7.9;
 *   ciphertext, random data and compressed streams are all above it. So
 *   H ≥ 7.9 is "high entropy", anything else with a non-zero byte is "data".
 * - Pearson's chi-square statistic of the histogram against a uniform one,
 *   χ² = Σ (count - n/256)² / (n/256), 255 degrees of freedom. Ciphertext (and
 *   random data) follows that distribution whatever the window size (mean
 *   255, σ ≈ 22.6); deflate/zip output does not: its Huffman-coded symbols
 *   leave a byte bias that grows with the window. Measured on 1 MiB windows
 *   (test/entropy-classify.test.ts repeats it): random 210-300, raw deflate of
 *   text 650-4400, of executables 10 000-23 000. A high-entropy window whose
 *   χ² exceeds the 1-in-10 000 critical value (≈ 347.7, Wilson-Hilferty) is
 *   "compressed", one within it "random" (encrypted, or data that cannot be
 *   told from random: a compressed stream can land here, especially in small
 *   windows, where the bias has too few bytes to show — below ~256 KiB the
 *   split is not reliable and both should be read as "high entropy").
 *
 * A false "compressed" on ciphertext happens once per 10 000 windows.
 */

/** Bits per byte at or above which a window is high-entropy. */
export const HIGH_ENTROPY = 7.9;
/** χ²(255) critical value for p = 1e-4, by the Wilson-Hilferty approximation (z = 3.719). */
export const CHI2_UNIFORM_MAX = chiSquareCritical(255, 3.719);
/** Smallest window: below 4 KiB even random bytes have H < 7.9 (the plug-in estimate is biased low by ~255/(2n ln 2)). */
export const MIN_WINDOW = 4096;

export type EntropyClass = 'zero' | 'data' | 'compressed' | 'random';
/** Numeric codes for the per-window arrays, in this order. */
export const CLASSES: readonly EntropyClass[] = ['zero', 'data', 'compressed', 'random'];
export const ZERO = 0;
export const DATA = 1;
export const COMPRESSED = 2;
export const RANDOM = 3;

export function chiSquareCritical(dof: number, z: number): number {
  const a = 2 / (9 * dof);
  return dof * (1 - a + z * Math.sqrt(a)) ** 3;
}

export interface WindowStats {
  cls: number;
  entropy: number;
  chiSquare: number;
}

/** Classify a histogram of `n` bytes (counts[0..255]). */
export function classify(counts: ArrayLike<number>, n: number): WindowStats {
  if (n === 0 || counts[0] === n) return { cls: ZERO, entropy: 0, chiSquare: n === 0 ? 0 : 255 * n };
  const expect = n / 256;
  let h = 0;
  let chi = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c > 0) {
      const p = c / n;
      h -= p * Math.log2(p);
    }
    const d = c - expect;
    chi += (d * d) / expect;
  }
  const cls = h < HIGH_ENTROPY ? DATA : chi > CHI2_UNIFORM_MAX ? COMPRESSED : RANDOM;
  return { cls, entropy: h, chiSquare: chi };
}

/**
 * Add the byte histogram of `data` to `counts`. Four tables, one per byte
 * lane, merged at the end: a run of equal bytes (text, 0xFF fill) would
 * otherwise make every increment wait for the previous one to the same slot.
 */
export function addHistogram(data: Uint8Array, counts: Uint32Array | Float64Array): void {
  const t = new Uint32Array(1024);
  const n = data.length;
  const end4 = n - (n & 3);
  let i = 0;
  for (; i < end4; i += 4) {
    t[data[i]!]!++;
    t[256 + data[i + 1]!]!++;
    t[512 + data[i + 2]!]!++;
    t[768 + data[i + 3]!]!++;
  }
  for (; i < n; i++) t[data[i]!]!++;
  for (let b = 0; b < 256; b++) counts[b]! += t[b]! + t[256 + b]! + t[512 + b]! + t[768 + b]!;
}
