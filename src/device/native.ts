/**
 * Optional N-API addon (native/) for the OS calls Node lacks. The toolkit
 * works without it; each missing capability is mentioned once on stderr
 * the first time it would have mattered.
 */
import { loadOwnAddon } from './addon-loader.js';

export interface NativeAddon {
  /** BLKGETSIZE64 on an open block device fd. */
  blockDeviceSize(fd: number): number;
  /** lseek(fd, offset, SEEK_DATA); -1 when there is no data at or after offset (ENXIO). */
  seekData(fd: number, offset: number): number;
  /** lseek(fd, offset, SEEK_HOLE). */
  seekHole(fd: number, offset: number): number;
  /** posix_fadvise(fd, offset, len, advice) with advice 'sequential' | 'dontneed' | 'willneed'. */
  fadvise(fd: number, offset: number, length: number, advice: string): void;
  /** Bytes to skip from `bytes[0]` to the next memory address that is a multiple of `align` (a power of two). */
  alignSkip(bytes: Uint8Array, align: number): number;
  /**
   * Zero stretches of `bytes` made of whole `granule`s (a short zero tail counts), at least `minRun`
   * long, as [start, end) pairs into `out`; returns the pair count (stops when `out` is full).
   */
  zeroRuns(bytes: Uint8Array, granule: number, minRun: number, out: Float64Array): number;
  /** Bytes of the Buffer that holds one XXH64 streaming state. */
  xxh64StateSize: number;
  xxh64Reset(state: Buffer): void;
  /** Hash `data` where it lies (no copy). */
  xxh64Update(state: Buffer, data: Uint8Array): void;
  /** 16 lowercase hex digits. */
  xxh64Digest(state: Buffer): string;
  /**
   * sendfile(2) of `length` bytes of `inFd` from `inOffset` to `outFd`'s current position, waiting
   * when a pipe is full. Returns the bytes moved: short only at the end of `inFd`, or when an error
   * follows some progress (the next call throws it). Throws an Error whose code is the errno name.
   */
  sendFile(outFd: number, inFd: number, inOffset: number, length: number): number;
  /** write(2) `data` to `fd`, waiting when a pipe is full; returns the bytes written, errors as sendFile. */
  writeAll(fd: number, data: Uint8Array): number;
  /** Both ranges mapped read-only and compared in place; throws (code = errno name) when one cannot be mapped. */
  mappedEqual(fdA: number, offsetA: number, fdB: number, offsetB: number, length: number): boolean;
}

let loaded: NativeAddon | null | undefined;
let loadError = '';
const warned = new Set<string>();

export function native(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  const r = loadOwnAddon<NativeAddon>('native/build/Release/vmfskit_native.node');
  loadError = r.error;
  loaded = r.addon;
  return loaded;
}

/** Say once per capability what is lost without the addon. */
export function warnMissingNative(capability: string): void {
  if (warned.has(capability) || process.env.VMFSKIT_QUIET_NATIVE) return;
  warned.add(capability);
  process.stderr.write(
    `vmfskit: note: native addon not built (${loadError || 'not found'}); ${capability}. Run 'npm run build:native' (needs g++ and make).\n`,
  );
}
