/**
 * Extents without a map of their own: FLAT/VMFS (raw bytes at a sector
 * offset in a file) and ZERO (no file). A flat file's own holes (a thin
 * -flat.vmdk copied to ext4, a thin file inside VMFS) are reported as zero.
 */
import type { BlockDevice } from '../device/block-device.js';
import { VmfskitError } from '../errors.js';
import type { LayerExtent, LayerRun } from './layer-extent.js';

export class FlatExtent implements LayerExtent {
  readonly format = 'flat';
  readonly file: string;

  constructor(
    private readonly dev: BlockDevice,
    readonly size: number,
    /** Byte offset of the extent's first byte in the file. */
    private readonly start: number,
  ) {
    this.file = dev.name;
  }

  /** Refuse a file that does not hold the whole extent, naming what is missing. */
  static open(dev: BlockDevice, size: number, startSector: number, where: { file: string; structure: string; offset: number }): FlatExtent {
    const start = startSector * 512;
    const end = start + size;
    if (dev.size < end) {
      const from = Math.max(dev.size, start);
      throw new VmfskitError(
        'TRUNCATED',
        `extent file ${dev.name} is ${dev.size} bytes but the extent needs bytes ${start}-${end}: bytes ${from}-${end} of the file (virtual bytes ${from - start}-${size} of the extent) are missing`,
        where,
      );
    }
    return new FlatExtent(dev, size, start);
  }

  async map(offset: number, length: number): Promise<LayerRun[]> {
    const len = Math.min(length, this.size - offset);
    if (len <= 0) return [];
    const runs = await this.dev.map(this.start + offset, len);
    return runs.map((r) =>
      r.kind === 'data'
        ? { offset: r.offset - this.start, length: r.length, state: 'data' as const, fileOffset: r.fileOffset ?? r.offset }
        : { offset: r.offset - this.start, length: r.length, state: 'zero' as const },
    );
  }

  async read(buf: Uint8Array, offset: number): Promise<void> {
    const len = Math.min(buf.length, this.size - offset);
    if (len > 0) await this.dev.read(len === buf.length ? buf : buf.subarray(0, len), this.start + offset);
  }

  async allocatedBytes(): Promise<number> {
    let n = 0;
    for (const r of await this.map(0, this.size)) if (r.state === 'data') n += r.length;
    return n;
  }

  describe(): Record<string, unknown> {
    return { format: this.format, 'file-offset': this.start };
  }

  async close(): Promise<void> {
    await this.dev.close();
  }
}

export class ZeroExtent implements LayerExtent {
  readonly format = 'zero';

  constructor(
    readonly size: number,
    readonly file: string,
  ) {}

  async map(offset: number, length: number): Promise<LayerRun[]> {
    const len = Math.min(length, this.size - offset);
    return len > 0 ? [{ offset, length: len, state: 'zero' }] : [];
  }

  async read(buf: Uint8Array, offset: number): Promise<void> {
    buf.fill(0, 0, Math.max(0, Math.min(buf.length, this.size - offset)));
  }

  async allocatedBytes(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
