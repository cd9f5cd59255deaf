/** `info` of a LUN image / VMFS partition. STUB: the VMFS issue fills this in. */
import type { OpenArgs } from './common-options.js';
import { VmfskitError } from '../errors.js';

export async function printVolumeInfo(host: string, argv: OpenArgs & { json?: boolean }): Promise<number> {
  void argv;
  throw new VmfskitError('UNSUPPORTED', 'VMFS volume info is not implemented yet', { file: host });
}
