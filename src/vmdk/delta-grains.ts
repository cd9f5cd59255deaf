/**
 * What COWD and SESparse deltas have in common: a grain directory of grain
 * tables, each entry saying "stored at byte X", "zeroed", or "ask the
 * parent". The formats differ only in how a table is found and an entry
 * decoded; this file turns decoded tables into LayerExtent map/read.
 */
import type { BlockDevice } from '../device/block-device.js';
import { Lru } from '../device/lru.js';
import { allSettledOrThrow } from '../device/read-helpers.js';
import { VmfskitError } from '../errors.js';
import type { LayerExtent, LayerRun, LayerState } from './layer-extent.js';

/** Decoded entry kinds. BAD: an entry that must not be read (the error is kept per grain). */
export const PARENT = 0;
export const ZERO = 1;
export const DATA = 2;
export const BAD = 3;

/** One grain table, decoded once: per entry a kind and (for DATA) the byte offset in the file. */
export interface DecodedTable {
  kinds: Uint8Array;
  offsets: Float64Array;
  /** Errors for BAD entries, by entry index. */
  errors?: Map<number, VmfskitError>;
}

export interface DeltaOpenOptions {
  /** Also report warnings here (the chain reader's layer warnings, shown by info and cat), prefixed with the file name. */
  warnings?: string[];
}

/** Collects a delta's warnings for describe() and copies them to the caller's sink. */
export class Warnings {
  readonly list: string[] = [];
  constructor(
    private readonly file: string,
    private readonly sink?: string[],
  ) {}
  add(w: string): void {
    this.list.push(w);
    this.sink?.push(`${this.file}: ${w}`);
  }
}

export interface GrainFormat {
  /** "cowd" or "sesparse". */
  readonly format: string;
  readonly grainBytes: number;
  readonly entriesPerTable: number;
  /** GD entries that may be consulted (beyond them: parent). */
  readonly tableCount: number;
  /** Decode table `t`, or null when the directory says there is none. */
  loadTable(t: number): Promise<DecodedTable | null>;
  /** Grain tables the directory says exist (cheap: from the directory alone). */
  tablesInUse(): number;
  /** Stored grain bytes from the file's layout alone, for deltas too large to walk. */
  estimateAllocated(): number;
  describe(): Record<string, unknown>;
}

const STATE: LayerState[] = ['parent', 'zero', 'data'];
/** Decoded tables kept in memory: 256 × (4096 × 9 bytes) ≈ 9 MiB at most. */
const TABLE_CACHE = 256;
/** read(): runs at most this far apart in the file are fetched with one read (the gap is read and dropped)... */
const SPAN_GAP = 16 * 1024;
/** ...up to this much per read. */
const SPAN_MAX = 1 << 20;
/** Separate reads kept in flight for one read() (the libuv pool does the I/O). */
const READS_IN_FLIGHT = 16;
/** allocatedBytes() walks at most this many tables (128 MiB of COWD, 64 MiB of SESparse tables); beyond, it estimates. */
const MAX_EXACT_TABLES = 4096;

/** Fills a table's entries from a bounds-checked decoder; keeps per-entry errors. */
export function decodeTable(n: number, decode: (i: number, out: { kind: number; offset: number }) => void): DecodedTable {
  const t: DecodedTable = { kinds: new Uint8Array(n), offsets: new Float64Array(n) };
  const out = { kind: PARENT, offset: 0 };
  for (let i = 0; i < n; i++) {
    try {
      decode(i, out);
      t.kinds[i] = out.kind;
      t.offsets[i] = out.offset;
    } catch (e) {
      if (!(e instanceof VmfskitError)) throw e;
      t.kinds[i] = BAD;
      (t.errors ??= new Map()).set(i, e);
    }
  }
  return t;
}

export class GrainDeltaExtent implements LayerExtent {
  readonly size: number;
  readonly file: string;
  readonly format: string;
  private readonly tables = new Lru<number, DecodedTable | null>(TABLE_CACHE);

  constructor(
    private readonly dev: BlockDevice,
    sizeBytes: number,
    private readonly fmt: GrainFormat,
  ) {
    this.size = sizeBytes;
    this.file = dev.name;
    this.format = fmt.format;
  }

  private table(t: number): Promise<DecodedTable | null> {
    if (t >= this.fmt.tableCount) return Promise.resolve(null);
    return this.tables.getOrLoad(t, () => this.fmt.loadTable(t));
  }

  async map(offset: number, length: number): Promise<LayerRun[]> {
    const end = Math.min(this.size, offset + length);
    const runs: LayerRun[] = [];
    const push = (start: number, stop: number, state: LayerState, fileOffset?: number) => {
      const last = runs[runs.length - 1];
      if (
        last &&
        last.state === state &&
        last.offset + last.length === start &&
        (fileOffset === undefined || (last.fileOffset !== undefined && last.fileOffset + last.length === fileOffset))
      ) {
        last.length += stop - start;
        return;
      }
      runs.push(fileOffset === undefined ? { offset: start, length: stop - start, state } : { offset: start, length: stop - start, state, fileOffset });
    };
    const gb = this.fmt.grainBytes;
    const per = this.fmt.entriesPerTable;
    const span = gb * per;
    let pos = Math.max(0, offset);
    while (pos < end) {
      const t = Math.floor(pos / span);
      const tableEnd = Math.min(end, (t + 1) * span);
      const table = await this.table(t);
      if (!table) {
        push(pos, tableEnd, 'parent');
        pos = tableEnd;
        continue;
      }
      while (pos < tableEnd) {
        const g = Math.floor(pos / gb);
        const i = g - t * per;
        const stop = Math.min(tableEnd, (g + 1) * gb);
        const kind = table.kinds[i]!;
        if (kind === BAD) throw table.errors!.get(i)!;
        if (kind === DATA) push(pos, stop, 'data', table.offsets[i]! + (pos - g * gb));
        else push(pos, stop, STATE[kind]!);
        pos = stop;
      }
    }
    return runs;
  }

  /**
   * Grains are stored in the order the guest wrote them, so a disk range is
   * often scattered over the file. Runs are regrouped by file position: runs
   * close together in the file are read with one call into a scratch buffer,
   * and the remaining reads are kept several at a time in flight.
   */
  async read(buf: Uint8Array, offset: number): Promise<void> {
    const runs = await this.map(offset, buf.length);
    const data: LayerRun[] = [];
    for (const r of runs) {
      if (r.state === 'data') data.push(r);
      else buf.fill(0, r.offset - offset, r.offset - offset + r.length);
    }
    if (data.length === 1) {
      const r = data[0]!;
      await this.readExactly(buf.subarray(r.offset - offset, r.offset - offset + r.length), r);
      return;
    }
    data.sort((a, b) => a.fileOffset! - b.fileOffset!);
    const spans: LayerRun[][] = [];
    for (const r of data) {
      const span = spans[spans.length - 1];
      const first = span?.[0];
      const last = span?.[span.length - 1];
      if (first && last && r.fileOffset! - (last.fileOffset! + last.length) <= SPAN_GAP && r.fileOffset! + r.length - first.fileOffset! <= SPAN_MAX) span!.push(r);
      else spans.push([r]);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < spans.length) {
        const span = spans[next++]!;
        if (span.length === 1) {
          const r = span[0]!;
          await this.readExactly(buf.subarray(r.offset - offset, r.offset - offset + r.length), r);
          continue;
        }
        const from = span[0]!.fileOffset!;
        const last = span[span.length - 1]!;
        const scratch = Buffer.allocUnsafe(last.fileOffset! + last.length - from);
        await this.readExactly(scratch, { offset: span[0]!.offset, length: scratch.length, state: 'data', fileOffset: from });
        for (const r of span) scratch.copy(buf, r.offset - offset, r.fileOffset! - from, r.fileOffset! - from + r.length);
      }
    };
    await allSettledOrThrow(Array.from({ length: Math.min(READS_IN_FLIGHT, spans.length) }, worker));
  }

  private async readExactly(part: Uint8Array, r: LayerRun): Promise<void> {
    const n = await this.dev.read(part, r.fileOffset!);
    if (n !== part.length) {
      throw new VmfskitError('TRUNCATED', `grain data needs ${part.length} bytes but the file ends at byte ${this.dev.size}`, {
        file: this.file,
        structure: `${this.format} grain for disk byte ${r.offset}`,
        offset: r.fileOffset,
      });
    }
  }

  /** Walks every table once (bad entries are not counted, not thrown: info must still work); estimates for huge deltas. */
  async allocatedBytes(): Promise<number> {
    if (this.fmt.tablesInUse() > MAX_EXACT_TABLES) return this.fmt.estimateAllocated();
    let grains = 0;
    for (let t = 0; t < this.fmt.tableCount; t++) {
      const table = await this.table(t);
      if (!table) continue;
      for (const k of table.kinds) if (k === DATA) grains++;
    }
    return grains * this.fmt.grainBytes;
  }

  describe(): Record<string, unknown> {
    return this.fmt.describe();
  }

  close(): Promise<void> {
    return this.dev.close();
  }
}

