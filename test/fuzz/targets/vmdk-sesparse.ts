/** SESparse deltas (vmdk-format §6): the ESXi sample and a built delta over a flat base; headers, GD, GTs. */
import { writeSesparseFile, type SesparseGrain } from '../../../corpus/builders/sesparse-writer.js';
import { C, V } from '../../../src/vmdk/sesparse.js';
import { fileSetFixture, type FileSeed } from '../file-set.js';
import { fieldsOf, type Region } from '../mutate.js';
import { sharedBytes } from '../seeds.js';
import type { FuzzTarget } from '../target.js';
import { built, CAPACITY, chainFiles, grains } from './delta-chain.js';
import { openNamed } from './vmdk-common.js';

/** Constant and volatile headers, the GD and the first grain tables, from the constant header's own fields. */
function metadata(b: Buffer): { regions: Region[]; fields: ReturnType<typeof fieldsOf> } {
  const sec = (f: number) => Number(b.readBigUInt64LE(f)) * 512;
  const regions: Region[] = [{ start: 0, length: 512 * 3 }];
  for (const [off, size] of [[C.grainDirOffset, C.grainDirSize], [C.grainTablesOffset, C.grainTablesSize]] as const) {
    const start = sec(off);
    if (start < b.length) regions.push({ start, length: Math.min(sec(size), 65536, b.length - start) });
  }
  const vh = sec(C.volatileHeaderOffset);
  return { regions, fields: [...fieldsOf(C, 0, 'constant header', 8), ...fieldsOf(V, vh, 'volatile header', 8)] };
}

export const target: FuzzTarget = {
  name: 'vmdk-sesparse',
  about: 'SESparse: the ESXi-made sample (dissect.hypervisor) alone and a built delta over a flat base',
  async setup() {
    const sample = await sharedBytes('vmdk/dissect.hypervisor/sesparse.vmdk.gz');
    const desc = await sharedBytes('vmdk/constructed/sesparse-desc.vmdk');
    const g = grains([0, 1, 100, 511, 1023], 4096);
    const mine = built((f) => writeSesparseFile(f, { capacityBytes: CAPACITY, grains: new Map<number, SesparseGrain>([...g, [5, 'zero'], [6, 'unmap']]) }));
    const seeds: FileSeed[] = [
      { label: 'ESXi sample', files: { 'd.vmdk': desc, 'sesparse.vmdk': sample }, target: 'sesparse.vmdk', ...metadata(sample) },
      { label: 'built delta over flat', files: { ...chainFiles('SESPARSE', 'd-sesparse.vmdk'), 'd-sesparse.vmdk': mine }, target: 'd-sesparse.vmdk', ...metadata(mine) },
    ];
    return fileSetFixture(seeds, openNamed('d.vmdk'));
  },
};
