/**
 * Worker of `hash -r`: hashes whole small files, a batch at a time, every
 * algorithm per file. The main thread packs the files' data runs into one
 * slot of a SharedArrayBuffer; each file is a list of segments (a positive
 * length: the next bytes of the slot; a negative one: that many zeros, a
 * hole known from the map).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hasherFactory, type Algorithm } from './algorithms.js';
import { hashSegments } from './tree-lane.js';

export interface TreeWorkerInit {
  algorithms: Algorithm[];
  shared: SharedArrayBuffer;
  slotSize: number;
}

export type ToTreeWorker = { t: 'batch'; id: number; slot: number; files: number[][] };
export type FromTreeWorker = { t: 'batch'; id: number; slot: number; digests: Record<string, string>[] } | { t: 'error'; message: string };

const init = workerData as TreeWorkerInit;
const port = parentPort!;
const shared = Buffer.from(init.shared);

// No top-level await: the self-contained executable runs this as CommonJS source (src/embedded.ts).
void hasherFactory().then((make) => port.on('message', (m: ToTreeWorker) => {
  try {
    const slot = shared.subarray(m.slot * init.slotSize, (m.slot + 1) * init.slotSize);
    port.postMessage({ t: 'batch', id: m.id, slot: m.slot, digests: hashSegments(init.algorithms, make, slot, m.files) } satisfies FromTreeWorker);
  } catch (e) {
    port.postMessage({ t: 'error', message: (e as Error).message } satisfies FromTreeWorker);
  }
}));
