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
import { buildSparse, buildStream, pattern } from './vmdk-images.js';

it('damaged VMDKs fail cleanly (200 mutations, fixed seed)', async () => {
  const dir = scratch('vmdk-fuzz');
  const grains = new Map([0, 1, 2, 5, 9, 31].map((i) => [i, pattern(i, 65536)]));
  const bases = [buildSparse({ name: 'f.vmdk', grains }).file, buildStream({ name: 'f.vmdk', grains }).file, buildStream({ name: 'f.vmdk', grains, footer: true }).file];
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const unclean: string[] = [];
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(bases[i % bases.length]!);
    for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
      // Mostly the header and metadata, sometimes anywhere.
      const region = rnd() < 0.5 ? 512 : rnd() < 0.5 ? 24 * 512 : b.length;
      b[Math.floor(rnd() * Math.min(region, b.length))] = Math.floor(rnd() * 256);
    }
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
