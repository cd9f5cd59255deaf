/** The per-version reader object, chosen once when a volume opens (§0: FS major ≥ 24 is VMFS-6). */
import type { FsDescriptor } from '../descriptor.js';
import type { VmfsFormat } from './format.js';
import { vmfs5Format } from './v5.js';
import { vmfs6Format } from './v6.js';

export type { VmfsFormat } from './format.js';

export function formatOf(d: FsDescriptor): VmfsFormat {
  return d.vmfs6 ? vmfs6Format(d) : vmfs5Format(d);
}
