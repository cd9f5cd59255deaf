/** VMFS-5 metadata: the ESXi-made sample and the built VM volume (every addressing mode, VMDKs inside). */
import { builtVolume } from '../built-volumes.js';
import { sharedFile } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { volumeFixture, volumeShared, type SharedVolumes } from '../volume-set.js';

export const target: FuzzTarget = {
  name: 'vmfs5',
  about: 'VMFS-5: esxi-vmfs5-small (ESXi) and the built vmfs5-vm volume; ls -R, stat, reads of every file, VMDKs inside',
  shared: async (cache) =>
    volumeShared([
      { label: 'esxi-vmfs5-small', luns: [await sharedFile('esxi-vmfs5-small.bin.gz')] },
      { label: 'built vmfs5-vm', luns: await builtVolume(cache, 'vmfs5-vm.img') },
    ]),
  setup: (shared) => volumeFixture(shared as SharedVolumes),
};
