/**
 * A hosted sparse disk whose grains lie one after another in the file while
 * zero grains separate them on the virtual disk: one file range lands in
 * several places of the caller's buffer. Both ways of placing it (a scratch
 * copy for small pieces, a read per piece for large ones) give exact bytes.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostResolver } from '../src/device/resolver.js';
import { openVmdk } from '../src/vmdk/index.js';
import { sha256 } from './helpers/hash.js';
import { scratch } from './helpers/paths.js';
import { buildSparse, pattern } from './vmdk-images.js';

const G = 128 * 512;

describe('sparse grains contiguous in the file, scattered on the disk', () => {
  for (const [label, run] of [
    ['1-grain pieces (scratch copy)', 1],
    ['8-grain pieces (read in place)', 8],
  ] as const) {
    it(`${label}: one read of the whole disk gives every byte`, async () => {
      const dir = scratch('vmdk-scattered');
      // Runs of `run` data grains, then `run` zero grains, over 64 grains (4 MiB).
      const grains = new Map<number, Buffer>();
      for (let g = 0; g < 64; g++) if (Math.floor(g / run) % 2 === 0) grains.set(g, pattern(500 + g, G));
      const img = buildSparse({ name: 'sc.vmdk', capacity: 64 * 128, grains });
      writeFileSync(path.join(dir, 'sc.vmdk'), img.file);
      const expected = Buffer.alloc(64 * G);
      for (const [g, b] of grains) b.copy(expected, g * G);
      // One read across data and zero runs (as the mount's chunk loads do; cat and convert skip zero runs by the map).
      const disk = await openVmdk(new HostResolver(dir), 'sc.vmdk');
      try {
        const got = Buffer.alloc(expected.length, 0xa5);
        expect(await disk.read(got, 0)).toBe(expected.length);
        expect(sha256(got)).toBe(sha256(expected));
      } finally {
        await disk.close();
      }
    });
  }
});
