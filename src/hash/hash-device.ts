/**
 * Hash one BlockDevice in one read pass: all algorithms together, zero runs
 * from map() hashed without I/O, optional piecewise (window) digests.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { readSequential } from '../device/sequential.js';
import { MultiHash, type Digests } from './multi-hash.js';

export const SECTOR = 512;
const SMALL = 32 << 20;

export interface WindowDigest {
  offset: number;
  length: number;
  /** 512-byte sectors, inclusive, as dc3dd prints them. */
  firstSector: number;
  lastSector: number;
  digests: Digests;
}

export interface DeviceDigest {
  size: number;
  digests: Digests;
  windows?: WindowDigest[];
  /** Bytes that were read (the rest came from zero runs of the map). */
  bytesRead: number;
}

export interface HashDeviceOptions {
  /** Window size in bytes (a multiple of 512), for piecewise digests. */
  window?: number;
  /** Hash the bytes as read, ignoring the map (no zero-run shortcut). */
  ignoreMap?: boolean;
  /** Called after each chunk with the bytes done. */
  onProgress?: (done: number, run: Run) => void;
  /** Checked between chunks (interrupts). */
  check?: () => void;
  threads?: number;
}

export async function hashDevice(dev: BlockDevice, algorithms: string[], opts: HashDeviceOptions = {}): Promise<DeviceDigest> {
  const window = opts.window;
  // Starting workers costs tens of milliseconds: not worth it for small files (a folder of logs and descriptors).
  const threads = dev.size < SMALL ? 1 : opts.threads;
  const mh = await MultiHash.create(algorithms, { windows: window !== undefined, threads });
  const windows: WindowDigest[] = [];
  let windowStart = 0;
  let bytesRead = 0;

  const closeWindow = async (end: number): Promise<void> => {
    windows.push({
      offset: windowStart,
      length: end - windowStart,
      firstSector: Math.floor(windowStart / SECTOR),
      lastSector: Math.ceil(end / SECTOR) - 1,
      digests: await mh.windowDigest(),
    });
    windowStart = end;
  };

  try {
    // 16 MiB reads: a quarter of the thread hand-offs of 4 MiB (perf-notes §3: also the fastest page-cache reads).
    for await (const chunk of readSequential(dev, { ignoreMap: opts.ignoreMap, chunkSize: 4 << 20 })) {
      opts.check?.();
      // A chunk may straddle window edges: feed it piecewise.
      let pos = chunk.offset;
      const end = chunk.offset + chunk.length;
      while (pos < end) {
        const edge = window ? Math.min(end, windowStart + window) : end;
        if (chunk.kind === 'zero') await mh.updateZeros(edge - pos);
        else await mh.update(chunk.data!.subarray(pos - chunk.offset, edge - chunk.offset));
        pos = edge;
        if (window && pos === windowStart + window) await closeWindow(pos);
      }
      if (chunk.kind === 'data') bytesRead += chunk.length;
      opts.onProgress?.(end, chunk.run);
    }
    if (window && windowStart < dev.size) await closeWindow(dev.size);
    const digests = await mh.digest();
    return { size: dev.size, digests, ...(window ? { windows } : {}), bytesRead };
  } finally {
    await mh.close();
  }
}
