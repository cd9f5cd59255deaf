/** The VMFS LVM (vmfs-format §2): device headers, volume and PE tables of a single LUN and of a volume spanned over two. */
import { LVM_HEADER_OFFSET } from '../../../src/partition/index.js';
import { builtVolume } from '../built-volumes.js';
import { sharedFile } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { volumeFixture, volumeShared, type SharedVolumes } from '../volume-set.js';

export const target: FuzzTarget = {
  name: 'lvm',
  about: 'LVM header, volume table, SD table, PE tables: esxi-vmfs5-small and the built two-LUN spanned volume',
  shared: async (cache) =>
    volumeShared(
      [
        { label: 'esxi-vmfs5-small', luns: [await sharedFile('esxi-vmfs5-small.bin.gz')] },
        { label: 'built vmfs5-spanned', luns: await builtVolume(cache, 'vmfs5-spanned.img') },
      ],
      // The LVM metadata: from the device header to the end of the first PE table pair (bare partitions).
      { regions: () => [{ start: LVM_HEADER_OFFSET, length: 0x180600 + 8192 * 128 - LVM_HEADER_OFFSET }], fields: (f) => f.name.startsWith('LVM') },
    ),
  setup: (shared) => volumeFixture(shared as SharedVolumes),
};
