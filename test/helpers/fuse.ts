/** Mount points in tests: look them up in mountinfo, take them down whatever happened. */
import { readFileSync } from 'node:fs';
import { runTool } from './proc.js';

/** The /proc/self/mountinfo line of `mnt`, if it is a mount point. */
export function mountEntry(mnt: string): string | undefined {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === mnt);
}

/** Leave nothing behind: lazy unmount if still mounted. */
export async function unmount(mnt: string): Promise<void> {
  if (mountEntry(mnt)) await runTool('fusermount', ['-uz', mnt]);
}

/** Poll `pred` every 50 ms until it holds or `ms` have passed. */
export function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const start = Date.now();
    const tick = () => {
      if (pred()) return resolve(true);
      if (Date.now() - start > ms) return resolve(false);
      setTimeout(tick, 50);
    };
    tick();
  });
}
