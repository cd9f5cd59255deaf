/**
 * A sparse output image: only non-zero ranges are written, the rest stays a
 * hole, so a volume with a 300 GiB thin file costs a few MiB of disk. Written
 * under a temporary name and renamed when complete. The image sha256 is
 * computed from the written ranges plus zeros (no re-read of the holes).
 */
import { closeSync, ftruncateSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';

const CHUNK = 1 << 20;

export class SparseImage {
  private readonly fd: number;
  private readonly tmp: string;
  /** Written ranges, kept to detect overlapping writes (a layout bug) and to hash. */
  private readonly ranges: Array<{ offset: number; length: number }> = [];
  private done = false;

  /**
   * digest 'extents': finish() returns "extents:" + the sha256 of the list of
   * written ranges (offset, length, sha256 of the bytes) and the size instead
   * of the sha256 of every byte — for disks of 100+ GiB of holes (the ESXi
   * boot disk), where hashing the zeros alone takes minutes.
   */
  constructor(readonly path: string, readonly size: number, private readonly digest: 'whole' | 'extents' = 'whole') {
    this.tmp = `${path}.${process.pid}.partial`;
    this.fd = openSync(this.tmp, 'w+', 0o644);
    ftruncateSync(this.fd, size);
  }

  /** Write `data` at `offset`, skipping all-zero 4 KiB stretches so they stay holes. */
  write(offset: number, data: Buffer): void {
    if (offset < 0 || offset + data.length > this.size) throw new Error(`write ${offset}+${data.length} outside image of ${this.size}`);
    const step = 4096;
    let start = -1;
    for (let i = 0; i < data.length; i += step) {
      const zero = isZero(data.subarray(i, i + step));
      if (!zero && start < 0) start = i;
      if (zero && start >= 0) {
        this.put(offset + start, data.subarray(start, i));
        start = -1;
      }
    }
    if (start >= 0) this.put(offset + start, data.subarray(start));
  }

  private put(offset: number, data: Buffer): void {
    this.ranges.push({ offset, length: data.length });
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
  }

  /** Close, hash and move into place; returns the sha256 of the whole image. */
  finish(): string {
    this.ranges.sort((a, b) => a.offset - b.offset);
    const h = createHash('sha256');
    const zero = Buffer.alloc(CHUNK);
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    const zeros = (n: number): void => {
      for (; n > 0; n -= CHUNK) h.update(n >= CHUNK ? zero : zero.subarray(0, n));
    };
    const list = createHash('sha256');
    for (const r of this.ranges) {
      if (r.offset < pos) throw new Error(`overlapping writes at image offset ${r.offset}`);
      if (this.digest === 'whole') zeros(r.offset - pos);
      const rh = this.digest === 'whole' ? h : createHash('sha256');
      for (let d = 0; d < r.length; d += CHUNK) {
        const n = Math.min(CHUNK, r.length - d);
        if (readSync(this.fd, buf, 0, n, r.offset + d) !== n) throw new Error('short read back');
        rh.update(buf.subarray(0, n));
      }
      if (this.digest === 'extents') list.update(`${r.offset} ${r.length} ${rh.digest('hex')}\n`);
      pos = r.offset + r.length;
    }
    if (this.digest === 'whole') zeros(this.size - pos);
    else list.update(`size ${this.size}\n`);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    this.done = true;
    return this.digest === 'whole' ? h.digest('hex') : `extents:${list.digest('hex')}`;
  }

  /** Drop the partial file after a failure. */
  abandon(): void {
    if (this.done) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}

const ZERO_PAGE = Buffer.alloc(4096);

/** True when `b` (at most 4 KiB) is all zeros; a native compare, not a byte loop. */
function isZero(b: Buffer): boolean {
  return b.equals(ZERO_PAGE.subarray(0, b.length));
}
