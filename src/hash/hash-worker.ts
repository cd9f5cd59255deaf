/**
 * Hashing worker: owns one Lane and hashes slots of a SharedArrayBuffer the
 * main thread filled. Messages arrive in order, so replies (slot released,
 * window digests, final digests) come back in order too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hasherFactory, type Algorithm } from './algorithms.js';
import { Lane } from './lane.js';

export interface WorkerInit {
  algorithms: Algorithm[];
  windows: boolean;
  shared: SharedArrayBuffer;
  slotSize: number;
}

export type ToWorker =
  | { t: 'data'; slot: number; length: number }
  | { t: 'zeros'; length: number }
  | { t: 'window' }
  | { t: 'digest' };

export type FromWorker =
  | { t: 'done'; slot: number }
  | { t: 'zdone' }
  | { t: 'digests'; digests: Record<string, string> }
  | { t: 'error'; message: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const shared = Buffer.from(init.shared);

// No top-level await: the self-contained executable runs this file as CommonJS (src/sea/).
// The port keeps messages until the listener is added.
void hasherFactory().then((factory) => {
  const lane = new Lane(init.algorithms, factory, init.windows);
  port.on('message', (m: ToWorker) => {
    try {
      switch (m.t) {
        case 'data':
          lane.update(shared.subarray(m.slot * init.slotSize, m.slot * init.slotSize + m.length));
          port.postMessage({ t: 'done', slot: m.slot } satisfies FromWorker);
          break;
        case 'zeros':
          lane.updateZeros(m.length);
          port.postMessage({ t: 'zdone' } satisfies FromWorker);
          break;
        case 'window':
          port.postMessage({ t: 'digests', digests: lane.windowDigest() } satisfies FromWorker);
          break;
        case 'digest':
          port.postMessage({ t: 'digests', digests: lane.digest() } satisfies FromWorker);
          break;
      }
    } catch (e) {
      port.postMessage({ t: 'error', message: (e as Error).message } satisfies FromWorker);
    }
  });
});
