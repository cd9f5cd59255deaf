/** Stream-optimized extents (vmdk-format §4): header, footer, markers, GD/GT, deflated grains. */
import { HEADER } from '../../../src/vmdk/sparse-header.js';
import { fileSetFixture, type FileSeed } from '../file-set.js';
import { fieldsOf } from '../mutate.js';
import { sharedBytes } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { openNamed } from './vmdk-common.js';

export const target: FuzzTarget = {
  name: 'vmdk-stream',
  about: 'streamOptimized (GD at the front; GD at the end with footer and markers): header, footer, markers, tables, grains',
  async setup() {
    const seed = async (label: string, rel: string): Promise<FileSeed> => {
      const b = await sharedBytes(rel);
      // Footer (a copy of the header) one sector before the end-of-stream marker, after its own marker.
      const footer = b.length - 1024;
      return {
        label, files: { 'd.vmdk': b }, target: 'd.vmdk',
        regions: [{ start: 0, length: 512 * 24 }, { start: Math.max(0, b.length - 65536), length: Math.min(65536, b.length) }, { start: 0, length: b.length }],
        fields: [...fieldsOf(HEADER, 0, 'header'), ...fieldsOf(HEADER, footer, 'footer')],
      };
    };
    const seeds = [
      await seed('vmdk-rs streamOptimized', 'vmdk/vmdk-rs/streamOptimized.vmdk'),
      await seed('VMware OVF export (footer, markers)', 'vmdk/cot/e9366f3/blank.vmdk'),
      await seed('stream with markers (python)', 'vmdk/third-party/vmdk-rs/streamOptimizedWithMarkers.vmdk'),
    ];
    return fileSetFixture(seeds, openNamed('d.vmdk'));
  },
};
