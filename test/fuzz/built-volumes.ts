/** The VMFS-5 corpus volumes (corpus/builders/vmfs5/volumes.ts), built once into the fuzz cache. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildVmfs5, devicePath } from '../../corpus/builders/vmfs5/index.js';
import { corpusVolumes } from '../../corpus/builders/vmfs5/volumes.js';

/** Host paths of the LUN images of corpus volume `name` ("vmfs5-vm.img", "vmfs5-spanned.img" ...). */
export async function builtVolume(cache: string, name: string): Promise<string[]> {
  const v = corpusVolumes().find((x) => x.name === name);
  if (!v) throw new Error(`no corpus volume ${name}`);
  const dir = path.join(cache, 'built');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, name);
  const luns = (v.spec.devices ?? [{}]).map((_, d) => devicePath(out, d));
  if (!luns.every((l) => existsSync(l))) await buildVmfs5(v.spec, out);
  return luns;
}
