/**
 * CONTRACT between the chain reader and the extent formats. A layer of a
 * delta chain is a list of extents; each extent answers, for its own byte
 * range, whether a byte is stored here, zeroed here (stop: reads as zeros,
 * the parent is not consulted) or not here (fall through to the parent).
 * Hosted sparse, COWD and SESparse extents implement this; FLAT/VMFS
 * extents are always `data`, ZERO extents always `zero`.
 */

/** `data`: bytes stored in this extent. `zero`: zeroed here. `parent`: not allocated here. */
export type LayerState = 'data' | 'zero' | 'parent';

export interface LayerRun {
  /** Byte offset within the extent. */
  offset: number;
  length: number;
  state: LayerState;
  /** Where the bytes sit in the extent's file, when stored raw (for `map` output). */
  fileOffset?: number;
  compressed?: boolean;
}

export interface LayerExtent {
  /** Bytes this extent covers (descriptor size × 512). */
  readonly size: number;
  /** The file that holds it (address form, for messages and map output). */
  readonly file: string;
  /** Format name for `info` ("flat", "sparse", "stream", "cowd", "sesparse", "zero"). */
  readonly format: string;
  /** Contiguous runs covering [offset, offset+length) ∩ [0, size). */
  map(offset: number, length: number): Promise<LayerRun[]>;
  /**
   * Fill `buf` with the bytes at `offset`. Only called for ranges that
   * `map` reported as `data`; may fill `zero` parts with zeros too.
   */
  read(buf: Uint8Array, offset: number): Promise<void>;
  /** Bytes stored in this extent (for info's allocated size). */
  allocatedBytes?(): Promise<number>;
  /** Facts for `info --json`. */
  describe?(): Record<string, unknown>;
  close(): Promise<void>;
}
