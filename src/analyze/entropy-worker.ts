/**
 * Entropy worker: histograms of pieces of one slot of a SharedArrayBuffer
 * the main thread filled. Each piece lies inside one window; the counts go
 * back (transferred, 1 KiB per piece) and the main thread adds them up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { addHistogram } from './entropy-stats.js';

export interface EntropyWorkerInit {
  shared: SharedArrayBuffer;
  slotSize: number;
}
/** pieces: [offset in slot, length] pairs. */
export type ToEntropyWorker = { slot: number; pieces: number[] };
export type FromEntropyWorker = { slot: number; counts: Uint32Array } | { slot: number; error: string };

const init = workerData as EntropyWorkerInit;
const port = parentPort!;
const ring = new Uint8Array(init.shared);

port.on('message', (m: ToEntropyWorker) => {
  try {
    const base = m.slot * init.slotSize;
    const n = m.pieces.length / 2;
    const counts = new Uint32Array(256 * n);
    for (let i = 0; i < n; i++) {
      const at = base + m.pieces[2 * i]!;
      addHistogram(ring.subarray(at, at + m.pieces[2 * i + 1]!), counts.subarray(256 * i, 256 * (i + 1)));
    }
    port.postMessage({ slot: m.slot, counts } satisfies FromEntropyWorker, [counts.buffer]);
  } catch (e) {
    port.postMessage({ slot: m.slot, error: (e as Error).message } satisfies FromEntropyWorker);
  }
});
