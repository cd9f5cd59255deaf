/** Writing results to stdout: backpressure respected, a closed pipe ends quietly. */
import { BrokenPipe } from './run.js';

let broken = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') broken = true;
  else throw e;
});

/** Write bytes (or text) to stdout and wait until the stream can take more. */
export function writeOut(chunk: Uint8Array | string): Promise<void> {
  if (broken) return Promise.reject(new BrokenPipe());
  return new Promise((resolve, reject) => {
    const ok = process.stdout.write(chunk, (err) => {
      if (err) reject((err as NodeJS.ErrnoException).code === 'EPIPE' ? new BrokenPipe() : err);
      else if (ok) resolve();
    });
    if (!ok) process.stdout.once('drain', () => (broken ? reject(new BrokenPipe()) : resolve()));
  });
}

/** Print a JSON document (the one result of a --json command). */
export function writeJson(value: unknown): Promise<void> {
  return writeOut(JSON.stringify(value, null, 2) + '\n');
}
