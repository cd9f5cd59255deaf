/**
 * hash of every file in a built VMFS-5 volume (every addressing mode, holes,
 * TBZ, symlinks followed) in one command: each digest equals the sha256 that
 * corpus/MANIFEST ("vmfs") recorded after `debugvmfs cat` returned the same
 * bytes, and the file's size is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';
import { corpusVolumes } from '../corpus/builders/vmfs5/volumes.js';
import type { VmfsSection } from '../corpus/builders/vmfs5/corpus-build.js';

const NAME = 'vmfs5-vm.img';
const rec = readSection<VmfsSection>('vmfs')!.volumes[NAME]!;

describe(`hash of every file in ${NAME}`, () => {
  const root = scratch('hash-vmfs-volume');
  let lun: string;

  beforeAll(async () => {
    const built = await buildVmfs5(corpusVolumes().find((v) => v.name === NAME)!.spec, path.join(root, NAME));
    expect(built.images.map((i) => i.sha256)).toEqual(rec.images.map((i) => i.sha256));
    lun = built.images[0]!.path;
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sha256 and size of each file = the MANIFEST (debugvmfs cat)', async () => {
    const files = rec.entries.filter((e) => e.type === 'file' && e.sha256 !== null && e.debugvmfs.cat === 'same');
    expect(files.length).toBeGreaterThan(80);
    // --container: each file's own bytes, as debugvmfs cat gives them (a descriptor is not opened as its disk).
    const r = await runCli(['hash', '--container', '-a', 'sha256', '--json', ...files.map((e) => `${lun}::${e.path}`)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const images = JSON.parse(r.stdout.toString()).images as Array<{ filename: string; 'virtual-size': number; hashes: { sha256: string } }>;
    expect(images.map((i) => [i.filename, i['virtual-size'], i.hashes.sha256])).toEqual(files.map((e) => [`${lun}::${e.path}`, e.size, e.sha256]));
  });
});
