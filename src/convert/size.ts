/** Sizes on the command line, as qemu-img and dd users write them: 4096, 4k, 64K, 2G, 1.5GiB. */
import { VmfskitError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** Parse SIZE (binary units, as qemu-img: k = 1024); `what` names the option in the error. */
export function parseSize(text: string | number, what: string): number {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(s);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const value = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new VmfskitError('USAGE', `${what}: '${s}' is not a size (bytes, or a number with K, M, G, T)`);
  }
  return value;
}

/** 1.50 GiB — for progress and messages. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(2)} ${units[i]}`;
}
