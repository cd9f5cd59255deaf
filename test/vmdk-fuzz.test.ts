/**
 * Random damage to hand-built sparse and stream files (header, descriptor,
 * tables, grains): opening, mapping and reading must end in a VmfskitError
 * or in data — never another exception, a crash or a hang. Fixed seed.
 */
import { expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostResolver } from '../src/device/resolver.js';
import { openVmdk } from '../src/vmdk/index.js';
import { VmfskitError } from '../src/errors.js';
import { scratch } from './helpers/paths.js';
import { buildSparse, buildStream, damager, pattern } from './vmdk-images.js';

it('damaged VMDKs fail cleanly (200 mutations, fixed seed)', async () => {
  const dir = scratch('vmdk-fuzz');
  const grains = new Map([0, 1, 2, 5, 9, 31].map((i) => [i, pattern(i, 65536)]));
  const bases = [buildSparse({ name: 'f.vmdk', grains }).file, buildStream({ name: 'f.vmdk', grains }).file, buildStream({ name: 'f.vmdk', grains, footer: true }).file];
  const damage = damager(12345, 4);
  const unclean: string[] = [];
  for (let i = 0; i < 200; i++) {
    const b = damage(bases[i % bases.length]!);
    writeFileSync(path.join(dir, 'f.vmdk'), b);
    try {
      const d = await openVmdk(new HostResolver(dir), 'f.vmdk');
      try {
        await d.map(0, d.size);
        await d.read(Buffer.alloc(Math.min(d.size, 4 << 20)), 0);
      } finally {
        await d.close();
      }
    } catch (e) {
      if (!(e instanceof VmfskitError)) unclean.push(`mutation ${i}: ${(e as Error).stack}`);
    }
  }
  expect(unclean).toEqual([]);
});
