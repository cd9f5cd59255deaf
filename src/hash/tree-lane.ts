/** Hash a batch of small files packed in one buffer (see tree-worker.ts), in the main thread or a worker. */
import type { Algorithm, HasherFactory } from './algorithms.js';
import { Lane, type Digests } from './lane.js';

export function hashSegments(algorithms: Algorithm[], make: HasherFactory, data: Uint8Array, files: number[][]): Digests[] {
  let pos = 0;
  return files.map((segs) => {
    const lane = new Lane(algorithms, make, false);
    for (const n of segs) {
      if (n >= 0) {
        lane.update(data.subarray(pos, pos + n));
        pos += n;
      } else lane.updateZeros(-n);
    }
    return lane.digest();
  });
}
