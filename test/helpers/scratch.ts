/** Scratch folders that go away when the test file is done (convert outputs are large, if mostly holes). */
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { scratch } from './paths.js';

/** Call at the top of a test file: returns a `scratch` whose folders are removed after the file's last test. */
export function scratchCleaned(): (name: string) => string {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (name) => {
    const d = scratch(name);
    made.push(d);
    return d;
  };
}
