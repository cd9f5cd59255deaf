/**
 * convert --progress says which chain layer and file it is reading, as the
 * issue asks: the first line is drawn at once, for the first run of the map,
 * and names that run's file and layer (0 = the snapshot named, 1.. = its parents).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli } from './helpers/cli.js';
import { sha256File } from './helpers/hash.js';
import { scratch } from './helpers/paths.js';

const section = readSection<DeltasSection>('deltas')!;

describe('convert --progress names the layer being read', () => {
  it('the first progress line of a snapshot state names the file and layer that answer its first run', async () => {
    const dir = scratch('convert-progress');
    buildDeltaCorpus(path.join(dir, 'chains'));
    const state = section.states.find((s) => s.id === 'VM@2')!;
    const disk = path.join(dir, 'chains', state.dir, state.descriptor);
    const map = await runCli(['map', '--json', disk]);
    expect(map.code).toBe(0);
    const first = JSON.parse(map.stdout.toString())[0] as { depth: number; data: boolean; file?: string };
    const out = path.join(dir, 'out.raw');
    const r = await runCli(['convert', '--progress', disk, out]);
    expect(r.code).toBe(0);
    const line = r.stderr.split('\r').find((l) => l.trim() !== '')!;
    const what = first.data ? `reading ${first.file} (layer ${first.depth})` : `zeros`;
    expect(line).toContain(`  ${what}`);
    expect(await sha256File(out)).toBe(state.sha256);
  });
});
