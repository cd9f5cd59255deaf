/** Loads the project's own compiled addons (native/), wherever the code runs from. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { embedded } from '../embedded.js';

export interface LoadedAddon<T> {
  addon: T | null;
  /** Why it did not load (first line of the loader's error), '' when it did. */
  error: string;
}

/**
 * `relative` is the addon's path under the project root, e.g.
 * native/build/Release/vmfskit_native.node. Never throws: every addon is optional.
 */
export function loadOwnAddon<T>(relative: string): LoadedAddon<T> {
  if (embedded.addon) {
    // The self-contained executable: the addon is one of its assets (src/sea/addons.ts).
    try {
      return { addon: embedded.addon(relative) as T, error: '' };
    } catch (e) {
      return { addon: null, error: (e as Error).message.split('\n')[0] ?? String(e) };
    }
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/src/device/ when built, src/device/ when the sources run directly (vitest).
  const roots = [path.resolve(here, '..', '..', '..'), path.resolve(here, '..', '..')];
  let error = '';
  for (const root of roots) {
    try {
      return { addon: createRequire(import.meta.url)(path.join(root, relative)) as T, error: '' };
    } catch (e) {
      error ||= (e as Error).message.split('\n')[0] ?? String(e);
    }
  }
  return { addon: null, error };
}
