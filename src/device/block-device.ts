/**
 * The one abstraction everything stands on: a read-only, random-access
 * sequence of bytes with an allocation map. See ../shared/docs/architecture.md.
 */

/** `data`: bytes must be read. `zero`: known to read as zeros without I/O. */
export type RunKind = 'data' | 'zero';

/** One run of an allocation map. Offsets are device byte offsets. */
export interface Run {
  offset: number;
  length: number;
  kind: RunKind;
  /** Chain layer that answers this run (0 = the top/named disk), as `qemu-img map` "depth". */
  depth?: number;
  /** The file that holds (or, for zero runs, decided) this run — for map/info output. */
  file?: string;
  /** Byte offset inside `file` where the run's bytes are stored raw (absent when compressed or zero). */
  fileOffset?: number;
  /** Stored compressed (stream-optimized grains). */
  compressed?: boolean;
}

export interface BlockDevice {
  /** Size in bytes. */
  readonly size: number;
  /** What to call this device in messages (a host path or an address). */
  readonly name: string;
  /**
   * Fill `buf` with the bytes at `offset`. Reads past the end of the device
   * are cut short; the return value is the number of bytes filled, which is
   * `min(buf.length, size - offset)` — never short in the middle of a device.
   * Throws VmfskitError on corrupt structures or I/O errors.
   */
  read(buf: Uint8Array, offset: number): Promise<number>;
  /**
   * The allocation map of [offset, offset+length) clipped to the device:
   * contiguous, non-overlapping runs in ascending order covering the range.
   */
  map(offset: number, length: number): Promise<Run[]>;
  close(): Promise<void>;
}

/** A device that also knows where it lives in its container (VMFS file, extent). */
export interface Described {
  /** Free-form facts for `info`: format, layers, extents ... */
  describe?(): Record<string, unknown>;
}

/** Clamp a request to the device: returns the number of bytes that exist at `offset`. */
export function available(dev: { size: number }, offset: number, length: number): number {
  if (!(offset >= 0) || !Number.isSafeInteger(offset)) throw new RangeError(`bad device offset ${offset}`);
  if (offset >= dev.size) return 0;
  return Math.min(length, dev.size - offset);
}
