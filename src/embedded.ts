/**
 * What the self-contained executable (release/vmfskit-linux-x64, a Node single executable
 * application) supplies in place of the files that sit next to dist/ in a checkout or an npm
 * install: the native addons and the hash worker's code. src/sea/entry.ts fills this in before
 * the CLI starts; everywhere else it stays empty and the files are used.
 */
export interface Embedded {
  /** How the program was built, for --version ("sea, node v20.20.2, git 1a2b3c4"). */
  build?: string;
  /** Load the addon that lives at `relative` (e.g. native/build/Release/vmfskit_native.node) in a checkout. */
  addon?: (relative: string) => unknown;
  /** CommonJS source of a worker (e.g. 'hash-worker'), run with `new Worker(source, { eval: true })`. */
  worker?: (name: string) => string;
  /** argv to start this same program again with other arguments (the background mount). */
  self?: () => string[];
}

export const embedded: Embedded = {};
