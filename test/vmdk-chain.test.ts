/** Chain rules of vmdk-format §7 and the sparse recovery options, on images built from a model. */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostResolver } from '../src/device/resolver.js';
import { openVmdk, type VmdkOpenOptions } from '../src/vmdk/index.js';
import { VmfskitError } from '../src/errors.js';
import { scratch } from './helpers/paths.js';
import { buildSparse, pattern, SECTOR, sha256 } from './vmdk-images.js';
import { runCli } from './helpers/cli.js';

const G = 65536;

async function openIn(dir: string, name: string, opts: VmdkOpenOptions = {}) {
  return openVmdk(new HostResolver(dir), name, opts);
}

async function failure(p: Promise<unknown>): Promise<VmfskitError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  if (!(e instanceof VmfskitError)) throw new Error(`expected a VmfskitError, got ${String(e)}`);
  return e;
}

describe('VMDK chains', () => {
  it('a child whose capacity differs from its parent is refused (CHAIN)', async () => {
    const dir = scratch('vmdk-cap');
    writeFileSync(path.join(dir, 'base.vmdk'), buildSparse({ name: 'base.vmdk', cid: '00000001', capacity: 8192 }).file);
    writeFileSync(path.join(dir, 'child.vmdk'), buildSparse({ name: 'child.vmdk', parentCid: '00000001', parentHint: 'base.vmdk' }).file);
    const e = await failure(openIn(dir, 'child.vmdk'));
    expect(e.code).toBe('CHAIN');
    expect(e.message).toMatch(/child\.vmdk: extent 1 \(descriptor line \d+\) at byte \d+ \(0x[0-9a-f]+\): capacity 2097152 bytes differs from its parent .*base\.vmdk \(4194304 bytes\)/);
  });

  it('a chain deeper than 64 layers is refused; each disk`s parent is the state before it', async () => {
    const dir = scratch('vmdk-deep');
    const cid = (i: number) => (0x10000000 + i).toString(16);
    for (let i = 0; i <= 65; i++) {
      const parent = i === 0 ? {} : { parentCid: cid(i - 1), parentHint: `l${i - 1}.vmdk` };
      writeFileSync(path.join(dir, `l${i}.vmdk`), buildSparse({ name: `l${i}.vmdk`, cid: cid(i), ...parent, grains: new Map([[i % 32, pattern(i, G)]]) }).file);
    }
    const e = await failure(openIn(dir, 'l65.vmdk'));
    expect(e.code).toBe('CHAIN');
    expect(e.message).toMatch(/chain is deeper than 64 layers/);
    const d = await openIn(dir, 'l3.vmdk');
    try {
      expect(d.layers.map((l) => path.basename(l.filename))).toEqual(['l3.vmdk', 'l2.vmdk', 'l1.vmdk', 'l0.vmdk']);
      expect(path.basename(d.parent!.name)).toBe('l2.vmdk');
      const b = Buffer.alloc(G);
      await d.parent!.read(b, 3 * G);
      expect(b.equals(Buffer.alloc(G))).toBe(true); // grain 3 is written only by l3
      await d.read(b, 3 * G);
      expect(b.equals(pattern(3, G))).toBe(true);
      await d.parent!.read(b, 2 * G);
      expect(b.equals(pattern(2, G))).toBe(true);
    } finally {
      await d.close();
    }
  });

  it('noParent opens one layer alone: what the delta does not hold reads as zeros, and that is said', async () => {
    const dir = scratch('vmdk-noparent');
    writeFileSync(path.join(dir, 'child.vmdk'), buildSparse({ name: 'child.vmdk', parentCid: '00000001', parentHint: 'missing.vmdk', grains: new Map([[1, pattern(1, G)]]) }).file);
    const d = await openIn(dir, 'child.vmdk', { noParent: true });
    try {
      expect(d.layers).toHaveLength(1);
      expect(d.layers[0]!.warnings).toContain('opened without its parent: bytes the delta does not hold read as zeros');
      const b = Buffer.alloc(2 * G, 1);
      await d.read(b, 0);
      expect(b.equals(Buffer.concat([Buffer.alloc(G), pattern(1, G)]))).toBe(true);
    } finally {
      await d.close();
    }
  });

  it('redundantGd reads through the redundant grain directory when the primary one is lost', async () => {
    const dir = scratch('vmdk-rgd');
    const s = buildSparse({ grains: new Map([[2, pattern(2, G)]]) });
    // Copy the GD to sector 100 (free overhead space), name it as the redundant GD, then wipe the primary.
    s.file.copy(s.file, 100 * SECTOR, s.gdOffset, s.gdOffset + SECTOR);
    s.file.writeBigUInt64LE(100n, 48);
    s.file.fill(0, s.gdOffset, s.gdOffset + SECTOR);
    writeFileSync(path.join(dir, 'disk.vmdk'), s.file);
    const plain = await openIn(dir, 'disk.vmdk');
    expect((await plain.map(0, plain.size)).every((r) => r.kind === 'zero')).toBe(true);
    await plain.close();
    const rec = await openIn(dir, 'disk.vmdk', { redundantGd: true });
    const b = Buffer.alloc(G);
    await rec.read(b, 2 * G);
    expect(b.equals(pattern(2, G))).toBe(true);
    await rec.close();
    // The same through the CLI: --redundant-gd brings the grain back.
    const want = Buffer.alloc(rec.size);
    pattern(2, G).copy(want, 2 * G);
    const cat = await runCli(['cat', '--redundant-gd', path.join(dir, 'disk.vmdk')]);
    expect(cat.code).toBe(0);
    expect(sha256(cat.stdout)).toBe(sha256(want));
    const plainCat = await runCli(['cat', path.join(dir, 'disk.vmdk')]);
    expect(sha256(plainCat.stdout)).toBe(sha256(Buffer.alloc(rec.size)));
    // Not silently: the examiner is told the redundant directory still has tables.
    expect(plainCat.stderr.toString()).toMatch(/grain directory is empty but the redundant one is not.*--redundant-gd/);
  });
});
