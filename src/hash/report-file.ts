/**
 * Report files (--dfxml): never over an existing file without --force,
 * never over an input, and never left half-written under the final name —
 * written to NAME.partial, fsynced, then renamed.
 */
import { promises as fsp } from 'node:fs';
import { VmfskitError } from '../errors.js';
import { identities, sameAsInput } from '../convert/destination.js';

/** Check before any work is done, so a long hash does not end in a refusal. */
export async function checkReportTarget(file: string, force: boolean, inputs: string[]): Promise<void> {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new VmfskitError('OPEN', `cannot check the report file: ${(e as Error).message}`, { file });
  }
  const same = sameAsInput(st, await identities(inputs));
  if (same) throw new VmfskitError('USAGE', `is the input file ${same.name}: refusing to overwrite evidence`, { file });
  if (!st.isFile()) throw new VmfskitError('USAGE', 'exists and is not a regular file', { file });
  if (!force) throw new VmfskitError('EXISTS', 'already exists (use --force to replace it)', { file });
}

export async function writeReportFile(file: string, text: string | Uint8Array, force: boolean, inputs: string[]): Promise<void> {
  await checkReportTarget(file, force, inputs);
  const partial = `${file}.partial`;
  try {
    const fh = await fsp.open(partial, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(partial, file);
  } catch (e) {
    await fsp.rm(partial, { force: true });
    throw new VmfskitError('IO', `cannot write the report: ${(e as Error).message}`, { file });
  }
}
