/** One case, in whatever process runs it (a fuzz worker, or a regression test in vitest). */
import { isVmfskitError } from '../../src/errors.js';
import { caseRng } from './mutate.js';
import type { Fixture } from './target.js';

export interface Verdict {
  /** data: read as data; error: refused with a VmfskitError; crash: anything else. */
  kind: 'data' | 'error' | 'crash';
  /** The VmfskitError code, for errors. */
  code?: string;
  /** The error's message (first line of the stack for a crash). */
  message?: string;
  /** The input opened as plain bytes (not recognised). */
  container?: boolean;
  /** What the mutation did. */
  what: string;
}

export async function runCase(fixture: Fixture<unknown>, format: string, seed: number, index: number, dir: string): Promise<Verdict> {
  const input = fixture.mutate(caseRng(format, seed, index));
  const what = fixture.describe(input);
  try {
    const o = await fixture.exercise(input, dir);
    return { kind: 'data', container: o?.container, what };
  } catch (e) {
    if (isVmfskitError(e)) {
      // A typed error must still be what the CLI prints: one line.
      if (e.message.includes('\n')) return { kind: 'crash', code: e.code, message: `VmfskitError with a multi-line message: ${JSON.stringify(e.message.slice(0, 300))}`, what };
      return { kind: 'error', code: e.code, message: e.message.slice(0, 300), what };
    }
    const err = e as Error;
    return { kind: 'crash', message: String(err?.stack ?? err).split('\n').slice(0, 8).join('\n'), what };
  }
}
