/** A host file or block device, opened read-only without touching its atime. */
import fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import type { BlockDevice, Run } from './block-device.js';
import { available } from './block-device.js';
import { VmfskitError, fromOsError } from '../errors.js';
import { native, warnMissingNative } from './native.js';
import { mergeRuns } from './runs.js';

const O_NOATIME = fs.constants.O_NOATIME ?? 0;

/** Open read-only; with O_NOATIME where the kernel lets us (owner or CAP_FOWNER). */
export async function openReadOnly(file: string): Promise<fsp.FileHandle> {
  if (O_NOATIME) {
    try {
      return await fsp.open(file, fs.constants.O_RDONLY | O_NOATIME);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw fromOsError(e, file);
    }
  }
  try {
    return await fsp.open(file, fs.constants.O_RDONLY);
  } catch (e) {
    throw fromOsError(e, file);
  }
}

async function blockDeviceSize(fh: fsp.FileHandle, st: fs.Stats, file: string): Promise<number> {
  const n = native();
  if (n) return n.blockDeviceSize(fh.fd);
  // Fallback: the kernel publishes the size in 512-byte sectors.
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  try {
    const sectors = Number((await fsp.readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    if (Number.isSafeInteger(sectors)) return sectors * 512;
  } catch {
    /* fall through */
  }
  throw new VmfskitError('OPEN', 'cannot determine the size of this block device', { file });
}

export class FileDevice implements BlockDevice {
  readonly name: string;
  readonly size: number;
  readonly isBlockDevice: boolean;
  readonly stat: fs.Stats;
  private fh: fsp.FileHandle | null;

  private constructor(name: string, fh: fsp.FileHandle, size: number, st: fs.Stats) {
    this.name = name;
    this.fh = fh;
    this.size = size;
    this.stat = st;
    this.isBlockDevice = st.isBlockDevice();
  }

  static async open(file: string): Promise<FileDevice> {
    const fh = await openReadOnly(file);
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new VmfskitError('OPEN', 'is a directory, not a disk or image file', { file });
      const size = st.isBlockDevice() ? await blockDeviceSize(fh, st, file) : st.size;
      return new FileDevice(file, fh, size, st);
    } catch (e) {
      await fh.close();
      throw fromOsError(e, file);
    }
  }

  get fd(): number {
    if (!this.fh) throw new VmfskitError('IO', 'read after close', { file: this.name });
    return this.fh.fd;
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const want = available(this, offset, buf.length);
    let done = 0;
    while (done < want) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh!.read(buf, done, want - done, offset + done));
      } catch (e) {
        if (!this.fh) throw new VmfskitError('IO', 'read after close', { file: this.name });
        throw new VmfskitError('IO', `read failed: ${(e as Error).message}`, { file: this.name, offset: offset + done }, { cause: e });
      }
      if (n === 0) {
        // The file shrank under us (or a device lied about its size).
        throw new VmfskitError('TRUNCATED', `unexpected end of file (expected ${this.size} bytes)`, {
          file: this.name,
          offset: offset + done,
        });
      }
      done += n;
    }
    return want;
  }

  /** Holes of a sparse host file are zero runs (SEEK_DATA/SEEK_HOLE via the addon). */
  async map(offset: number, length: number): Promise<Run[]> {
    const len = available(this, offset, length);
    if (len === 0) return [];
    const n = this.isBlockDevice ? null : native();
    if (!n) {
      if (!this.isBlockDevice) warnMissingNative('holes in sparse host files are read as data');
      return [{ offset, length: len, kind: 'data', file: this.name, fileOffset: offset }];
    }
    const end = offset + len;
    const runs: Run[] = [];
    let pos = offset;
    while (pos < end) {
      let data: number;
      try {
        data = n.seekData(this.fd, pos);
      } catch {
        return [{ offset, length: len, kind: 'data', file: this.name, fileOffset: offset }];
      }
      if (data < 0 || data >= end) {
        runs.push({ offset: pos, length: end - pos, kind: 'zero', file: this.name });
        break;
      }
      if (data > pos) runs.push({ offset: pos, length: data - pos, kind: 'zero', file: this.name });
      const hole = Math.min(n.seekHole(this.fd, data), end);
      runs.push({ offset: data, length: hole - data, kind: 'data', file: this.name, fileOffset: data });
      pos = hole;
    }
    return mergeRuns(runs);
  }

  /** Hint the kernel that we will read [offset, offset+length) sequentially. */
  adviseSequential(): void {
    const n = native();
    if (n && this.fh) {
      try {
        n.fadvise(this.fh.fd, 0, 0, 'sequential');
      } catch {
        /* advisory only */
      }
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }
}
