/**
 * The README's sample: a small LUN image the way examiners receive one (GPT,
 * VMFS-5 at sector 2048) holding a VM with two COWD snapshots, an SESparse
 * chain and two RDMs — the deltas corpus placed in a datastore. Built
 * deterministically, so its sha256 must equal the one recorded in
 * corpus/MANIFEST (deltas.volume), which proves the sample is the tested one.
 *
 * usage: node dist/corpus/builders/sample-lun.js OUTDIR   → prints the LUN image path
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { buildDeltaCorpus, type DeltasSection } from './delta-chains.js';
import { buildDeltaVolume } from './delta-vmfs.js';
import { readSection } from './manifest.js';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: sample-lun.js OUTDIR');
  const chains = path.join(out, 'chains');
  mkdirSync(chains, { recursive: true });
  buildDeltaCorpus(chains);
  const lun = path.join(out, 'lun.img');
  const vol = await buildDeltaVolume(chains, lun);
  const expected = readSection<DeltasSection>('deltas')?.volume.sha256;
  if (vol.sha256 !== expected) throw new Error(`sample LUN sha256 ${vol.sha256} differs from corpus/MANIFEST (${expected})`);
  process.stdout.write(lun + '\n');
}

main().catch((e) => {
  process.stderr.write(`sample: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
