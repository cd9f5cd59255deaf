/**
 * A raw output file, or a split set of them (NAME.001, NAME.002 …), written
 * sparse: each piece is created as PIECE.partial, skipped ranges stay
 * holes, and at the end every piece is cut to its exact size, fsynced, and
 * only then renamed to its final name — so a final name never holds a
 * partial image.
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Sink } from './sink.js';
import { VmfskitError } from '../errors.js';

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
  created: boolean;
  closed: boolean;
  /** Bytes written since the last early flush was started. */
  unsynced: number;
  /** An early flush in progress (at most one per piece). */
  syncing?: Promise<void>;
}

export interface FileSetOptions {
  /**
   * Start a background fdatasync after this many bytes written (0 = never):
   * the disk writes back while we read on, so the final fsync before the
   * rename has little left to do.
   */
  syncEvery?: number;
}

const SYNC_EVERY = 64 << 20;

export class FileSetSink implements Sink {
  readonly sparse = true;
  private readonly pieces: OpenPiece[];
  private current = 0;

  private readonly syncEvery: number;

  constructor(pieces: Piece[], opts: FileSetOptions = {}) {
    this.pieces = pieces.map((p) => ({ ...p, created: false, closed: false, unsynced: 0 }));
    this.syncEvery = opts.syncEvery ?? SYNC_EVERY;
  }

  async write(data: Buffer, offset: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const p = await this.pieceAt(pos);
      const n = Math.min(data.length - done, p.start + p.size - pos);
      await writeFully(p, data, done, n, pos - p.start);
      done += n;
      p.unsynced += n;
      if (this.syncEvery > 0 && p.unsynced >= this.syncEvery && !p.syncing) this.startSync(p);
    }
  }

  private startSync(p: OpenPiece): void {
    p.unsynced = 0;
    const fh = p.fh!;
    const s = fh.datasync().then(
      () => {
        if (p.syncing === s) p.syncing = undefined;
      },
      (e) => {
        throw writeError(e, p, p.size);
      },
    );
    s.catch(() => {}); // surfaced by close(), which awaits it
    p.syncing = s;
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
      await p.syncing?.catch(() => {});
      if (p.fh) await p.fh.close().catch(() => {});
      p.fh = undefined;
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
  }

  /** Exact size (trailing holes included), flushed to disk, closed. */
  private async close(p: OpenPiece): Promise<void> {
    if (p.closed) return;
    if (!p.created) await this.create(p);
    const fh = p.fh!;
    try {
      await p.syncing;
      await fh.truncate(p.size);
      await fh.sync();
    } catch (e) {
      throw writeError(e, p, p.size);
    } finally {
      await fh.close();
      p.fh = undefined;
      p.closed = true;
    }
  }
}

async function writeFully(p: OpenPiece, data: Buffer, from: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      ({ bytesWritten: n } = await p.fh!.write(data, from + done, length - done, position + done));
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
