/**
 * How every command ends: results on stdout, one line per error on stderr,
 * and an exit status from the error's code. Stack traces only with
 * VMFSKIT_DEBUG=1 — a user never sees one.
 */
import { VmfskitError, isVmfskitError } from '../errors.js';

/** Thrown when stdout's reader went away (`| head`): a quiet, successful end. */
export class BrokenPipe extends Error {}

export function reportError(e: unknown): number {
  if (e instanceof BrokenPipe) return 0;
  if (process.env.VMFSKIT_DEBUG) console.error(e);
  if (isVmfskitError(e)) {
    process.stderr.write(`vmfskit: ${oneLine(e.message)}\n`);
    return e.exitCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'EPIPE') return 0;
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    process.stderr.write(`vmfskit: ${oneLine(err.message)}\n`);
    return err.code === 'EIO' ? 4 : 2;
  }
  process.stderr.write(`vmfskit: internal error: ${oneLine(err?.message ?? String(e))} (please report this with VMFSKIT_DEBUG=1 output)\n`);
  return 70;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** Wrap a command body: its return value (default 0) becomes the exit status. */
export function action<A>(fn: (argv: A) => Promise<number | void>): (argv: A) => Promise<void> {
  return async (argv: A) => {
    let code: number;
    try {
      code = (await fn(argv)) ?? 0;
    } catch (e) {
      code = reportError(e);
    }
    process.exitCode = code;
  };
}

export function usage(message: string): VmfskitError {
  return new VmfskitError('USAGE', message);
}
