/** VMDK descriptor text (vmdk-format §2): flat, split flat, split sparse and SESparse descriptors of real images. */
import { readFileSync } from 'node:fs';
import { fileSetFixture, type FileSeed } from '../file-set.js';
import { sharedBytes, sharedFile } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { DESCRIPTOR_LINES, openNamed } from './vmdk-common.js';

export const target: FuzzTarget = {
  name: 'vmdk-descriptor',
  about: 'descriptor text: token, line and byte changes; extents FLAT, SPARSE, SESPARSE, ZERO',
  async setup() {
    const flat = await sharedBytes('vmdk/vmdk-rs/monolithicFlat-flat.vmdk.gz');
    const s001 = await sharedBytes('vmdk/vmdk-rs/twoGbMaxExtentSparse-s001.vmdk');
    const ses = readFileSync(await sharedFile('vmdk/dissect.hypervisor/sesparse.vmdk.gz'));
    const text = { lines: DESCRIPTOR_LINES };
    const extents = { 'monolithicFlat-flat.vmdk': flat, 'twoGbMaxExtentSparse-s001.vmdk': s001, 'sesparse.vmdk': ses };
    const seed = (label: string, rel: string, name: string): FileSeed => ({ label, files: { ...extents, [name]: readFileSync(rel) }, target: name, text });
    const seeds: FileSeed[] = [
      seed('monolithicFlat', await sharedFile('vmdk/vmdk-rs/monolithicFlat.vmdk'), 'd.vmdk'),
      seed('twoGbMaxExtentSparse', await sharedFile('vmdk/vmdk-rs/twoGbMaxExtentSparse.vmdk'), 'd.vmdk'),
      seed('seSparse', await sharedFile('vmdk/constructed/sesparse-desc.vmdk'), 'd.vmdk'),
    ];
    return fileSetFixture(seeds, openNamed('d.vmdk'));
  },
};
