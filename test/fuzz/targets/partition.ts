/** GPT and MBR in front of a VMFS partition (src/partition/): both GPT headers and arrays, the MBR entries. */
import { ENTRY as GPT_ENTRY, HEADER as GPT_HEADER } from '../../../src/partition/gpt.js';
import { ENTRY as MBR_ENTRY } from '../../../src/partition/mbr.js';
import type { VmfsVolume } from '../../../src/vmfs/index.js';
import { builtVolume } from '../built-volumes.js';
import { fieldsOf } from '../mutate.js';
import type { FuzzTarget } from '../target.js';
import { volumeFixture, volumeShared, type SharedVolumes } from '../volume-set.js';

const S = 512;

/** Finding the partition is the point here: the volume is only opened and its root listed. */
async function light(vol: VmfsVolume): Promise<void> {
  JSON.stringify(vol.info());
  await vol.readdir('/');
}

export const target: FuzzTarget = {
  name: 'partition',
  about: 'GPT (primary and backup header and entry array) and MBR tables of the built vmfs5-vm-gpt / -mbr LUNs',
  shared: async (cache) =>
    volumeShared(
      [
        { label: 'built vmfs5-vm-gpt', luns: await builtVolume(cache, 'vmfs5-vm-gpt.img') },
        { label: 'built vmfs5-vm-mbr', luns: await builtVolume(cache, 'vmfs5-vm-mbr.img') },
      ],
      {
        regions: (size) => [{ start: 0, length: 34 * S }, { start: size - 33 * S, length: 33 * S }],
        fields: () => false,
        extraFields: (size) => [
          ...[0, 1, 2, 3].flatMap((k) => fieldsOf(MBR_ENTRY, 446 + 16 * k, `MBR entry ${k}`)),
          ...fieldsOf(GPT_HEADER, S, 'GPT header'),
          ...fieldsOf(GPT_ENTRY, 2 * S, 'GPT entry 0'),
          ...fieldsOf(GPT_HEADER, size - S, 'GPT backup header'),
          ...fieldsOf(GPT_ENTRY, size - 33 * S, 'GPT backup entry 0'),
        ],
      },
    ),
  setup: (shared) => volumeFixture(shared as SharedVolumes, light),
};
