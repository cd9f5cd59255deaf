/**
 * convert straight out of a LUN image: every snapshot state of the chains
 * inside the deltas datastore (COWD and SESparse over flat and thin bases,
 * absolute /vmfs/volumes/<uuid>/ parent hints) converts to the bytes
 * qemu-img gave for that state (corpus/MANIFEST "deltas"), sparse, and the
 * same bytes on stdout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume } from '../corpus/builders/delta-vmfs.js';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli } from './helpers/cli.js';
import { sha256, sha256File } from './helpers/hash.js';
import { scratch } from './helpers/paths.js';

const section = readSection<DeltasSection>('deltas')!;
const work = scratch('convert-volume-states');
const image = path.join(work, 'deltas-ds.img');
/** The hint warning names where an absolute parent path was found on this volume; the rest of stderr must be empty. */
const hints = /^vmfskit: warning: .*parent hint .* resolved to .*\n/gm;

beforeAll(async () => {
  buildDeltaCorpus(path.join(work, 'chains'));
  expect((await buildDeltaVolume(path.join(work, 'chains'), image)).sha256).toBe(section.volume.sha256);
});

describe('convert of every chain state inside a VMFS-5 datastore', () => {
  for (const s of section.volume.states) {
    it(`${s.id}: ${s.path} converts to qemu-img's bytes, sparse`, async () => {
      const out = path.join(work, `${s.id.replace(/[^\w]/g, '_')}.raw`);
      const r = await runCli(['convert', `${image}::${s.path}`, out]);
      expect({ code: r.code, stderr: r.stderr.replace(hints, '') }).toEqual({ code: 0, stderr: '' });
      expect(await sha256File(out)).toBe(s.sha256);
      // Holes where the chain has no data: the output takes less than its size on disk.
      const st = statSync(out);
      expect(st.blocks * 512).toBeLessThan(st.size);
    });
  }

  it('the same bytes on stdout (-) as in the file', async () => {
    const s = section.volume.states[section.volume.states.length - 1]!;
    const r = await runCli(['convert', `${image}::${s.path}`, '-']);
    expect({ code: r.code, stderr: r.stderr.replace(hints, '') }).toEqual({ code: 0, stderr: '' });
    expect(sha256(r.stdout)).toBe(s.sha256);
  });
});
