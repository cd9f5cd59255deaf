/**
 * convert on real VMDKs (shared corpus, README's raw sha256 from qemu-img
 * or by construction) and on the project corpus (MANIFEST "vmdk" cases and
 * "deltas" chain states, sha256 recorded from qemu-img).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { copyFileSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { SHARED_CORPUS, hasSharedCorpus } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { sha256, sha256File, sha256Files } from './helpers/hash.js';
import { listCases, extractCase, type VmdkCase } from './helpers/corpus.js';
import { scratchCleaned } from './helpers/scratch.js';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { readSection } from '../corpus/builders/manifest.js';

const tmpDir = scratchCleaned();

const VMDK = path.join(SHARED_CORPUS, 'vmdk');
const RS = 'a3bcf05f07a1c06a3380eeca8571f0efb2b85afafa1e21662b8cad436d1f7727';

/**
 * Convert in this process (the CLI's own code path below argument parsing;
 * the CLI itself is exercised by the tests that spawn it) and return the output path.
 */
async function convert(src: string, out: string): Promise<string> {
  const { runConvert } = await import('../src/convert/convert.js');
  let printed = '';
  const code = await runConvert({ src, dst: out, open: {}, argv: [] }, { writeOut: async (s) => void (printed += String(s)), stderr: process.stderr });
  expect(code).toBe(0);
  expect(printed).toBe('');
  return out;
}

/** A descriptor next to the gunzipped copy of its extent, in a scratch folder. */
async function withFlat(descriptor: string, gz: string, dir: string): Promise<string> {
  const flat = await gunzipCached(gz);
  const d = path.join(dir, path.basename(descriptor));
  copyFileSync(descriptor, d);
  symlinkSync(flat, path.join(dir, path.basename(gz).replace(/\.gz$/, '')));
  return d;
}

describe.runIf(hasSharedCorpus())('convert real VMDKs (shared corpus)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmpDir('convert-vmdk');
  });

  const plain: Array<[string, string]> = [
    ['vmdk-rs/monolithicSparse.vmdk', RS],
    ['vmdk-rs/streamOptimized.vmdk', RS],
    ['vmdk-rs/twoGbMaxExtentSparse.vmdk', RS],
    ['vmdk-rs/vmfs_thick.vmdk', '8d43c795d24bce01b49f92744f934c1072210dcac170bb1c83a5aa56df46ab7d'],
    ['cot/blank.vmdk', '9acca8e8c22201155389f65abbf6bc9723edc7384ead80503839f49dcc56d767'],
  ];
  for (const [file, sha] of plain) {
    it(`${file} → raw with qemu-img's sha256`, async () => {
      const out = await convert(path.join(VMDK, file), path.join(dir, file.replace(/\//g, '_') + '.raw'));
      expect(await sha256File(out)).toBe(sha);
    });
  }

  it('monolithicFlat and the vmfs extent line (633336b/4.vmdk) → the same raw', async () => {
    const d1 = tmpDir('convert-flat');
    const flat = await withFlat(path.join(VMDK, 'vmdk-rs/monolithicFlat.vmdk'), path.join(VMDK, 'vmdk-rs/monolithicFlat-flat.vmdk.gz'), d1);
    expect(await sha256File(await convert(flat, path.join(dir, 'flat.raw')))).toBe(RS);
    const d2 = tmpDir('convert-633336b');
    const vmfs = await withFlat(path.join(VMDK, 'vmdk-rs/633336b/4.vmdk'), path.join(VMDK, 'vmdk-rs/633336b/4-flat.vmdk.gz'), d2);
    expect(await sha256File(await convert(vmfs, path.join(dir, '4.raw')))).toBe(RS);
  });

  it('stdout output equals the file output (stream VMDK)', async () => {
    const s = await runCli(['convert', path.join(VMDK, 'vmdk-rs/streamOptimized.vmdk'), '-']);
    expect(s.code).toBe(0);
    expect(sha256(s.stdout)).toBe(RS);
  });

  it('cot/input.vmdk (1 GiB stream): split pieces of exact sizes concatenate to README sha256', async () => {
    const src = path.join(VMDK, 'cot/input.vmdk');
    const r = await runCli(['convert', '--split', '300M', '--json', src, path.join(dir, 'input.raw')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout.toString());
    expect(doc.files.map((f: string) => path.basename(f))).toEqual(['input.raw.001', 'input.raw.002', 'input.raw.003', 'input.raw.004']);
    expect(doc.files.map((f: string) => statSync(f).size)).toEqual([300, 300, 300, 124].map((m) => m * 2 ** 20));
    expect(await sha256Files(doc.files)).toBe('49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14');
  });

  it('cot/e9366f3/blank.vmdk (8 GiB of zeros, stream export) → an 8 GiB file with no blocks', async () => {
    const out = await convert(path.join(VMDK, 'cot/e9366f3/blank.vmdk'), path.join(dir, 'blank8g.raw'));
    // README: 8 GiB of zeros (sha256 ebfb…); a file of that size without one allocated block reads as exactly that.
    expect(statSync(out).size).toBe(8 * 2 ** 30);
    expect(statSync(out).blocks).toBe(0);
  });
});

describe('convert the project VMDK corpus (MANIFEST "vmdk")', () => {
  const cases = listCases('vmdk');
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));
  for (const name of cases) {
    it(`${name} → qemu-img's sha256, allocation no more than the data`, async () => {
      const c = await extractCase<VmdkCase>('vmdk', name);
      const out = path.join(tmpDir(`convert-case-${name}`), 'out.raw');
      await convert(c.entry, out);
      expect(statSync(out).size).toBe(c.manifest.virtualSize);
      expect(await sha256File(out)).toBe(c.manifest.sha256);
      const data = c.manifest.map.filter((r) => !r.zero).reduce((n, r) => n + r.length, 0);
      expect(statSync(out).blocks * 512).toBeLessThanOrEqual(data + 4096);
    });
  }
});

describe('convert ESXi snapshot chain states (MANIFEST "deltas")', () => {
  const section = readSection<DeltasSection>('deltas');
  let root: string;
  beforeAll(() => {
    root = tmpDir('convert-deltas');
    buildDeltaCorpus(root);
  });
  for (const s of section?.states ?? []) {
    it(`${s.id} (${s.dir}/${s.descriptor}) → qemu-img's sha256`, async () => {
      const src = path.join(root, s.dir, s.descriptor);
      expect(existsSync(src)).toBe(true);
      const out = await convert(src, path.join(root, `${s.id.replace(/\W/g, '_')}.raw`));
      expect(await sha256File(out)).toBe(s.sha256);
    });
  }
  it('has states', () => expect(section?.states.length ?? 0).toBeGreaterThan(0));
});

describe('convert a damaged VMDK', () => {
  it('a truncated sparse VMDK: one-line error naming the structure, exit 3, no output and no .partial', async () => {
    const c = await extractCase('tsk', 'sparse');
    const dir = tmpDir('convert-damaged');
    const bad = path.join(dir, 'truncated.vmdk');
    // Cut inside the grains: the grain tables point past the new end of the file.
    writeFileSync(bad, readFileSync(c.entry).subarray(0, 600_000));
    const out = path.join(dir, 'out.raw');
    const r = await runCli(['convert', bad, out]);
    expect(r.code).toBe(3);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/^vmfskit: .*truncated\.vmdk: grain table \d+ entry \d+ at byte \d+ \(0x[0-9a-f]+\): .*past the end of the file/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('-f raw reads a VMDK file as its own bytes', async () => {
    const c = await extractCase('tsk', 'sparse');
    const out = path.join(tmpDir('convert-container'), 'container.raw');
    const r = await runCli(['convert', '-f', 'raw', c.entry, out]);
    expect(r.code).toBe(0);
    expect(await sha256File(out)).toBe(c.manifest.files!.find((f) => f.path === 'tsk-sparse.vmdk')!.sha256);
  });
});
