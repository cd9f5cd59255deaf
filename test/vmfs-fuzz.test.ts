/**
 * Seeded fuzzing of the metadata of the real VMFS-5 sample: a few hundred
 * random byte flips in the LVM header/tables, the FS descriptor, the system
 * and user FDs, the resource headers and the directory data. Every outcome
 * must be a result or a VmfskitError — never another exception, never a hang.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { FileDevice } from '../src/device/file-device.js';
import { isVmfskitError } from '../src/errors.js';
import { openVmfs, type VmfsVolume } from '../src/vmfs/index.js';
import { walkTree } from '../src/walk/walk.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { hasSharedCorpus, SHARED_CORPUS } from './helpers/paths.js';
import { rng } from './fuzz/mutate.js';

/** A device that reads through to `base` with some bytes replaced (the image file itself is never written). */
class PatchedDevice implements BlockDevice {
  readonly size: number;
  readonly name = 'fuzzed.bin';
  constructor(
    private readonly base: BlockDevice,
    private readonly patches: Map<number, number>,
  ) {
    this.size = base.size;
  }
  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = await this.base.read(buf, offset);
    for (const [at, v] of this.patches) if (at >= offset && at < offset + n) buf[at - offset] = v;
    return n;
  }
  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    return n > 0 ? [{ offset, length: n, kind: 'data' }] : [];
  }
  async close(): Promise<void> {}
}

/** Host offsets of the sample's metadata (bare partition; see vmfs-bad-input.test.ts). */
const REGIONS: Array<[start: number, length: number]> = [
  [0x100000, 0x100], // LVM device header
  [0x100200, 0x100], // volume table entry 0
  [0x180600, 0x40], // PE table entry 0
  [0x1300000, 0x120], // FS descriptor
  [0x1500000, 0x20], // .fdc.sf resource header
  [0x1520000, 0x7800], // FDC cluster 0: system FDs, /directory and its files
  [0x1600000, 1400], // root directory entries (FB 5)
  [0x1a20000, 1120], // /directory entries (sub-block c4 r0)
];

/** Everything a user could ask of the volume, bounded so a huge fuzzed length costs little. */
async function exercise(vol: VmfsVolume): Promise<void> {
  vol.info();
  const root = await vol.stat('/');
  for await (const { entries } of walkTree(vol, root, true)) {
    for (const e of entries) {
      if (e.type !== 'file' && e.type !== 'system' && e.type !== 'symlink') continue;
      const f = await vol.openFile(e.path);
      const buf = Buffer.alloc(Math.min(f.size, 64 << 10));
      await f.read(buf, 0);
      if (f.size > buf.length) await f.read(buf, f.size - buf.length);
      await f.map(0, Math.min(f.size, 1 << 30));
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hang: ${what} did not finish in ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

describe.runIf(hasSharedCorpus())('VMFS metadata fuzzing', () => {
  let base: FileDevice;
  beforeAll(async () => {
    base = await FileDevice.open(await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz')));
    return () => base.close();
  });

  it('300 seeded mutations: a result or a VmfskitError, never anything else', async () => {
    const outcomes = { ok: 0, vmfskitError: 0 };
    const codes = new Map<string, number>();
    const random = rng(0x5eed);
    for (let i = 0; i < 300; i++) {
      const patches = new Map<number, number>();
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) {
        const [start, len] = REGIONS[Math.floor(random() * REGIONS.length)]!;
        const at = start + Math.floor(random() * len);
        // Half bit flips (subtle damage), half random bytes (gross damage).
        const old = (await readByte(base, at)) ?? 0;
        patches.set(at, random() < 0.5 ? old ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256));
      }
      const dev = new PatchedDevice(base, patches);
      try {
        await withTimeout(
          (async () => {
            const vol = await openVmfs(dev, 'fuzzed.bin::');
            await exercise(vol);
          })(),
          10_000,
          `mutation ${i} ${JSON.stringify([...patches])}`,
        );
        outcomes.ok++;
      } catch (e) {
        if (!isVmfskitError(e)) throw new Error(`mutation ${i} ${JSON.stringify([...patches])}: not a VmfskitError: ${(e as Error).stack}`);
        outcomes.vmfskitError++;
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        // The one-line message always names the file.
        expect(e.message.startsWith('fuzzed.bin')).toBe(true);
        expect(e.message).not.toContain('\n');
      }
    }
    // Both outcomes occur: the fuzzing reaches past the first checks.
    expect(outcomes.ok).toBeGreaterThan(20);
    expect(outcomes.vmfskitError).toBeGreaterThan(20);
  });
});

async function readByte(dev: BlockDevice, at: number): Promise<number | undefined> {
  const b = Buffer.alloc(1);
  return (await dev.read(b, at)) === 1 ? b[0] : undefined;
}
