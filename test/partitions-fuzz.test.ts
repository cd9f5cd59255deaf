/**
 * The partition layer on damaged bytes (seeded): GPT/MBR/EBR sectors and
 * file-system heads with random bytes flipped. Every call answers or throws a
 * VmfskitError — no other exception, no hang — and scans stay linear.
 */
import { describe, expect, it } from 'vitest';
import { isVmfskitError } from '../src/errors.js';
import { BufferDevice } from '../src/fuse/info-text.js';
import { describePartitions, openPartition } from '../src/partition/guest.js';
import { readTable } from '../src/partition/index.js';
import { scanDisk } from '../src/partition/scan.js';
import { gptSectors } from './helpers/lun-wrap.js';

const MiB = 1 << 20;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return (a >>> 0) / 4294967296;
  };
}

/** 16 MiB: GPT with three partitions, an ext-like and a FAT-like head, an MBR extended chain copy at 12 MiB. */
function baseDisk(): Buffer {
  const b = Buffer.alloc(16 * MiB);
  for (const [at, bytes] of gptSectors(b.length, 512, [
    [2048, 4096, 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
    [6144, 8192, '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
    [14336, 8192, '0FC63DAF-8483-4772-8E79-3D69D8477DE4'],
  ]))
    bytes.copy(b, at);
  // ext superblock at partition 2 + 1024: magic, 1 KiB blocks, 8192 blocks per group.
  const sb = 6144 * 512 + 1024;
  b.writeUInt32LE(128, sb);
  b.writeUInt32LE(4096, sb + 4);
  b.writeUInt32LE(1, sb + 0x14);
  b.writeUInt32LE(8192, sb + 0x20);
  b.writeUInt32LE(128, sb + 0x28);
  b.writeUInt16LE(0xef53, sb + 0x38);
  return b;
}

describe('partition layer fuzz', () => {
  it('300 seeded mutations: answers or VmfskitErrors, quickly', async () => {
    const base = baseDisk();
    const r = rng(0x5eed);
    const hot = [0, 446, 510, 512, 1024, 1024 + 32, 1024 + 40, 6144 * 512 + 1024, 16 * MiB - 512, 16 * MiB - 512 * 33];
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(base);
      const flips = 1 + Math.floor(r() * 16);
      for (let k = 0; k < flips; k++) {
        const at = hot[Math.floor(r() * hot.length)]! + Math.floor(r() * 128);
        b[at] = Math.floor(r() * 256);
      }
      const dev = new BufferDevice(b, `fuzz-${i}.img`);
      const t0 = Date.now();
      try {
        const t = await readTable(dev);
        if (t) await describePartitions(dev, t);
        await scanDisk(dev);
        await openPartition(dev, 1 + (i % 3), `fuzz-${i}.img#p1`, { repaired: i % 2 === 0 });
      } catch (e) {
        if (!isVmfskitError(e)) throw e;
        errors++;
        expect(e.message).not.toMatch(/\n/);
      }
      expect(Date.now() - t0).toBeLessThan(5000);
    }
    expect(errors).toBeGreaterThan(10);
  }, 120_000);
});
