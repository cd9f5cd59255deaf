/**
 * SIGINT/SIGTERM during a conversion: the first one stops the copy at the
 * next chunk, so the caller can remove its partial files and say so; a
 * second one removes them synchronously and exits at once.
 */
import { VmfskitError, EXIT } from '../errors.js';

export interface Interrupt {
  /** Set when a signal arrived: the error to end with. */
  reason: VmfskitError | null;
  /** Throw `reason` if a signal arrived. */
  check(): void;
  dispose(): void;
}

export function watchSignals(onSecond: (signal: NodeJS.Signals) => void): Interrupt {
  const state: Interrupt = {
    reason: null,
    check() {
      if (state.reason) throw state.reason;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
  const handler = (signal: NodeJS.Signals): void => {
    const exitCode = signal === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM;
    if (state.reason) {
      onSecond(signal);
      process.exit(exitCode);
    }
    state.reason = new VmfskitError('INTERRUPTED', `interrupted by ${signal}`, {}, { exitCode });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return state;
}
