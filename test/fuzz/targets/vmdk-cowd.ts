/** COWD (VMFSSPARSE) deltas as ESXi lays them out (vmdk-format §5): header, GD, GTs, grains, over a flat parent. */
import { writeCowdFile } from '../../../corpus/builders/cowd-writer.js';
import { H } from '../../../src/vmdk/cowd.js';
import { fileSetFixture, type FileSeed } from '../file-set.js';
import { fieldsOf } from '../mutate.js';
import type { FuzzTarget } from '../target.js';
import { built, CAPACITY, chainFiles, grains } from './delta-chain.js';
import { openNamed } from './vmdk-common.js';

export const target: FuzzTarget = {
  name: 'vmdk-cowd',
  about: 'COWD delta (ESXi layout, built by corpus/builders/cowd-writer.ts) over a flat base: header fields, GD, GTs',
  async setup() {
    const delta = built((f) => writeCowdFile(f, { capacityBytes: CAPACITY, grains: grains([0, 1, 7, 4095, 4096, 8191], 512), writeOrder: [4096, 0, 7, 1, 8191, 4095] }));
    const seeds: FileSeed[] = [
      {
        label: 'cowd over flat', files: { ...chainFiles('VMFSSPARSE', 'd-delta.vmdk'), 'd-delta.vmdk': delta }, target: 'd-delta.vmdk',
        // Header (2048 bytes), GD at sector 4, then the tables.
        regions: [{ start: 0, length: 2048 }, { start: 2048, length: 512 }, { start: 2560, length: Math.min(delta.length - 2560, 2 * 16384) }],
        fields: fieldsOf(H, 0, 'COWD header', 4),
      },
    ];
    return fileSetFixture(seeds, openNamed('d.vmdk'));
  },
};
