import { embedded } from './embedded.js';
/** Kept in step with package.json by test/version.test.ts. */
export const VERSION = '0.1.0';

/** How this program was built: set by the self-contained executable's entry (src/sea/entry.ts). */
export function buildInfo(): string | undefined {
  return embedded.build;
}
