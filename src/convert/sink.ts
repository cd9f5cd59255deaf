/** Where converted bytes go. The converter hands over bytes in ascending order, each byte once. */

export interface Sink {
  /** True when skipped ranges read back as zeros without being written (a sparse file). */
  readonly sparse: boolean;
  /** Bytes at `offset` of the disk. The buffer may be reused as soon as the promise settles. */
  write(data: Buffer, offset: number): Promise<void>;
  /** [offset, offset+length) is all zeros: leave a hole. Only called when `sparse`. */
  hole(offset: number, length: number): Promise<void>;
  /** Everything was handed over: make the output final (flush, size, rename). Returns the names written. */
  finish(): Promise<string[]>;
  /** Give up: remove whatever this sink created. Returns the names removed. */
  abort(): Promise<string[]>;
  /** The same, synchronously: for a second signal, when there is no time to wait. */
  abortSync(): string[];
}

/**
 * Stdout (`-`): zeros are written out (a pipe has no holes). `writeOut`
 * comes from the CLI layer: it handles backpressure and ends quietly on a
 * closed pipe.
 */
export class StreamSink implements Sink {
  readonly sparse = false;
  constructor(private readonly writeOut: (chunk: Uint8Array) => Promise<void>) {}

  write(data: Buffer): Promise<void> {
    return this.writeOut(data);
  }

  async hole(): Promise<void> {
    throw new Error('StreamSink has no holes');
  }

  async finish(): Promise<string[]> {
    return ['-'];
  }

  async abort(): Promise<string[]> {
    return [];
  }

  abortSync(): string[] {
    return [];
  }
}
