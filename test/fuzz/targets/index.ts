/**
 * Every fuzz target, one file each. A new parser (VMFS-6, a log reader ...)
 * plugs in by adding its file and a line here; `npm run fuzz` and the CI
 * sample (test/fuzz-sample.test.ts) pick it up.
 */
import type { FuzzTarget } from '../target.js';
import { target as vmdkDescriptor } from './vmdk-descriptor.js';
import { target as vmdkSparse } from './vmdk-sparse.js';
import { target as vmdkStream } from './vmdk-stream.js';
import { target as vmdkCowd } from './vmdk-cowd.js';
import { target as vmdkSesparse } from './vmdk-sesparse.js';
import { target as partition } from './partition.js';
import { target as lvm } from './lvm.js';
import { target as vmfs3 } from './vmfs3.js';
import { target as vmfs5 } from './vmfs5.js';
import { target as inventory } from './inventory.js';

export const TARGETS: readonly FuzzTarget[] = [vmdkDescriptor, vmdkSparse, vmdkStream, vmdkCowd, vmdkSesparse, partition, lvm, vmfs3, vmfs5, inventory];

export function targetNamed(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown fuzz format '${name}' (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
