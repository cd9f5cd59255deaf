/**
 * A raw output file, or a split set of them (NAME.001, NAME.002 …), written
 * sparse: each piece is created as PIECE.partial, skipped ranges stay
 * holes, and at the end every piece is cut to its exact size, flushed, and
 * only then renamed to its final name — so a final name never holds a
 * partial image.
 *
 * Whole aligned blocks are written with O_DIRECT when the file system takes
 * it: the bytes go from the read buffer to the disk with no copy into the
 * page cache, and the flush before the rename has almost nothing left to do.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Sink } from './sink.js';
import { VmfskitError } from '../errors.js';
import { DIRECT_ALIGN, isAligned, canAlign } from '../device/aligned.js';

export interface Piece {
  /** Name the piece gets on success. */
  final: string;
  /** Name it is written under until then. */
  partial: string;
  /** Disk offset of its first byte. */
  start: number;
  size: number;
}

interface OpenPiece extends Piece {
  fh?: fsp.FileHandle;
  /** The same file opened O_DIRECT, while the file system takes direct writes. */
  direct?: fsp.FileHandle;
  created: boolean;
  closed: boolean;
}

export interface FileSetOptions {
  /** Write aligned blocks with O_DIRECT when possible (default true). */
  direct?: boolean;
}

export class FileSetSink implements Sink {
  readonly sparse = true;
  private readonly pieces: OpenPiece[];
  private current = 0;

  private readonly direct: boolean;

  constructor(pieces: Piece[], opts: FileSetOptions = {}) {
    this.pieces = pieces.map((p) => ({ ...p, created: false, closed: false }));
    this.direct = (opts.direct ?? true) && canAlign() && fs.constants.O_DIRECT !== undefined;
  }

  async write(data: Buffer, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const p = await this.pieceAt(pos);
      const n = Math.min(data.length - done, p.start + p.size - pos);
      await this.writePiece(p, data.subarray(done, done + n), pos - p.start);
      done += n;
    }
  }

  /**
   * The whole aligned blocks of `data` go straight to the disk, the partial blocks at either end
   * (and everything, when the memory is not aligned) through the page cache. Each byte is written
   * once, so no block is ever written both ways.
   */
  private async writePiece(p: OpenPiece, data: Buffer, position: number): Promise<void> {
    if (p.direct) {
      const head = Math.min(data.length, (DIRECT_ALIGN - (position % DIRECT_ALIGN)) % DIRECT_ALIGN);
      const body = data.length - head - ((data.length - head) % DIRECT_ALIGN);
      if (body > 0 && isAligned(data.subarray(head))) {
        await this.writeCached(p, data.subarray(0, head), position);
        try {
          await writeFully(p, p.direct, data, head, body, position + head);
        } catch (e) {
          // Refused as unaligned after all (a device with larger blocks): the page cache takes it.
          if (((e as Error).cause as NodeJS.ErrnoException | undefined)?.code !== 'EINVAL') throw e;
          await p.direct.close().catch(() => {});
          p.direct = undefined;
          await this.writeCached(p, data.subarray(head, head + body), position + head);
        }
        await this.writeCached(p, data.subarray(head + body), position + head + body);
        return;
      }
    }
    await this.writeCached(p, data, position);
  }

  private async writeCached(p: OpenPiece, data: Buffer, position: number): Promise<void> {
    if (data.length > 0) await writeFully(p, p.fh!, data, 0, data.length, position);
  }

  async hole(offset: number, length: number): Promise<void> {
    // Nothing to write; just make sure the pieces this range reaches exist and earlier ones are closed.
    if (length > 0) await this.pieceAt(offset + length - 1);
  }

  async finish(): Promise<string[]> {
    for (const p of this.pieces) await this.close(p);
    for (const p of this.pieces) await rename(p);
    await syncDirs(this.pieces.map((p) => p.final));
    return this.pieces.map((p) => p.final);
  }

  async abort(): Promise<string[]> {
    const removed: string[] = [];
    for (const p of this.pieces) {
      if (p.fh) await p.fh.close().catch(() => {});
      if (p.direct) await p.direct.close().catch(() => {});
      p.fh = undefined;
      p.direct = undefined;
      if (p.created) {
        await fsp.unlink(p.partial).then(() => removed.push(p.partial), () => {});
      }
    }
    return removed;
  }

  abortSync(): string[] {
    const removed: string[] = [];
    for (const p of this.pieces) {
      if (!p.created) continue;
      try {
        fs.unlinkSync(p.partial);
        removed.push(p.partial);
      } catch {
        /* already gone */
      }
    }
    return removed;
  }

  /** The piece holding `pos`, created if needed; pieces before it are completed and closed. */
  private async pieceAt(pos: number): Promise<OpenPiece> {
    while (this.current < this.pieces.length - 1 && pos >= this.pieces[this.current]!.start + this.pieces[this.current]!.size) {
      await this.close(this.pieces[this.current]!);
      this.current++;
    }
    const p = this.pieces[this.current]!;
    if (!p.created) await this.create(p);
    return p;
  }

  private async create(p: OpenPiece): Promise<void> {
    try {
      // O_EXCL: never write through a file someone else created (or a symlink planted) under our name.
      p.fh = await fsp.open(p.partial, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new VmfskitError('EXISTS', 'a partial output of another conversion is here (running, or killed); remove it first', { file: p.partial });
      }
      throw new VmfskitError(code === 'ENOENT' ? 'NOT_FOUND' : 'OPEN', `cannot create output: ${(e as Error).message}`, { file: p.partial });
    }
    p.created = true;
    if (this.direct) {
      // Through /proc/self/fd: the inode just created, whatever the name points at by now.
      p.direct = await fsp.open(`/proc/self/fd/${p.fh.fd}`, fs.constants.O_WRONLY | fs.constants.O_DIRECT).catch(() => undefined);
    }
  }

  /** Exact size (trailing holes included), flushed to disk, closed. */
  private async close(p: OpenPiece): Promise<void> {
    if (p.closed) return;
    if (!p.created) await this.create(p);
    const fh = p.fh!;
    try {
      await fh.truncate(p.size);
      // fdatasync is enough for the rename rule: it writes the data and the metadata needed to read
      // it back (block allocation, size); only timestamps are left out. Direct writes are flushed
      // too: it also makes the disk empty its write cache.
      await fh.datasync();
    } catch (e) {
      throw writeError(e, p, p.size);
    } finally {
      await p.direct?.close().catch(() => {});
      await fh.close();
      p.fh = undefined;
      p.direct = undefined;
      p.closed = true;
    }
  }
}

async function writeFully(p: OpenPiece, fh: fsp.FileHandle, data: Buffer, from: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      ({ bytesWritten: n } = await fh.write(data, from + done, length - done, position + done));
    } catch (e) {
      throw writeError(e, p, position + done);
    }
    if (n <= 0) throw writeError(new Error('write returned 0'), p, position + done);
    done += n;
  }
}

function writeError(e: unknown, p: Piece, offset: number): VmfskitError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOSPC' ? 'no space left on device' : err.code === 'EFBIG' ? 'file too large for this file system (use --split)' : err.message;
  return new VmfskitError('IO', `write failed: ${why}`, { file: p.partial, offset }, { cause: e });
}

async function rename(p: Piece): Promise<void> {
  try {
    await fsp.rename(p.partial, p.final);
  } catch (e) {
    throw new VmfskitError('IO', `cannot rename to ${p.final}: ${(e as Error).message}`, { file: p.partial }, { cause: e });
  }
}

/** Make the renames durable: fsync each destination directory once. */
async function syncDirs(files: string[]): Promise<void> {
  for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f))))) {
    try {
      const fh = await fsp.open(dir, fs.constants.O_RDONLY);
      await fh.sync().finally(() => fh.close());
    } catch {
      /* some file systems refuse fsync on a directory; the data itself is synced */
    }
  }
}
