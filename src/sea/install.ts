/**
 * What the self-contained executable supplies in place of files (src/embedded.ts): the addons
 * and the hash worker are SEA assets, the build is named for --version. Imported for its effect,
 * first, by the entry of the main thread (entry.ts) and of every worker thread (scripts/package.mjs WORKERS).
 */
import { getAsset } from 'node:sea';
import { embedded } from '../embedded.js';
import { cacheRoot, loadAddonBytes } from './addons.js';

declare const VMFSKIT_BUILD: string;

/** Asset key of each addon, by its path in a checkout (what loadOwnAddon asks for). */
const ADDONS: Record<string, string> = {
  'native/build/Release/vmfskit_native.node': 'vmfskit_native.node',
  'native/fuse/build/Release/vmfskit_fuse.node': 'vmfskit_fuse.node',
};

embedded.build = VMFSKIT_BUILD;
embedded.addon = (relative) => {
  const key = ADDONS[relative];
  if (!key) throw new Error(`no such addon in this executable: ${relative}`);
  return loadAddonBytes(key, new Uint8Array(getAsset(key)), cacheRoot()).exports;
};
embedded.worker = (name) => getAsset(`${name}.js`, 'utf8');
// argv[1] of a single executable application is the executable again, not a script.
embedded.self = () => [];

