/** VMFS-3 metadata: the ESX-made toto image. */
import { sharedFile } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { volumeFixture, volumeShared, type SharedVolumes } from '../volume-set.js';

export const target: FuzzTarget = {
  name: 'vmfs3',
  about: 'VMFS-3: esx-vmfs3-toto (ESX); ls -R, stat, reads of every file',
  shared: async () => volumeShared([{ label: 'esx-vmfs3-toto', luns: [await sharedFile('vmfs/esx-vmfs3-toto.bin.gz')] }]),
  setup: (shared) => volumeFixture(shared as SharedVolumes),
};
