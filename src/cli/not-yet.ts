/** Placeholder handler for a command whose issue is still open: a clear error, exit 2. */
import { VmfskitError } from '../errors.js';
import { action } from './run.js';

export function notYet(name: string, issue: number) {
  return action(async () => {
    throw new VmfskitError('UNSUPPORTED', `'${name}' is not implemented yet (issue ${issue})`);
  });
}
