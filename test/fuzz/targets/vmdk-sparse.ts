/** Hosted sparse extents (vmdk-format §3): header fields, embedded descriptor, GD/RGD and grain tables of VMware-made files. */
import { fileSetFixture, type FileSeed } from '../file-set.js';
import { sharedBytes } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { DESCRIPTOR_LINES, openNamed, sparseMetadata } from './vmdk-common.js';

export const target: FuzzTarget = {
  name: 'vmdk-sparse',
  about: 'monolithicSparse and split sparse (VMware disk library): header, descriptor, GD, RGD, GTs',
  async setup() {
    const mono = await sharedBytes('vmdk/vmdk-rs/monolithicSparse.vmdk');
    const s001 = await sharedBytes('vmdk/vmdk-rs/twoGbMaxExtentSparse-s001.vmdk');
    const desc = await sharedBytes('vmdk/vmdk-rs/twoGbMaxExtentSparse.vmdk');
    const seeds: FileSeed[] = [
      { label: 'monolithicSparse', files: { 'd.vmdk': mono }, target: 'd.vmdk', ...sparseMetadata(mono), text: { lines: DESCRIPTOR_LINES } },
      { label: 'twoGbMaxExtentSparse', files: { 'd.vmdk': desc, 'twoGbMaxExtentSparse-s001.vmdk': s001 }, target: 'twoGbMaxExtentSparse-s001.vmdk', ...sparseMetadata(s001) },
    ];
    return fileSetFixture(seeds, openNamed('d.vmdk'));
  },
};
