/**
 * Partition detection on synthetic LUNs built in memory: GPT (512 and 4096
 * sectors, damaged primary, both damaged, several VMFS partitions), MBR
 * (0xFB in any of the four entries, protective 0xEE without a GPT), bare
 * partitions and bare volumes, and the util-linux VMFS fragments.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { FileDevice } from '../src/device/file-device.js';
import { findVmfsPartition, scanLun } from '../src/partition/index.js';
import { openVmfs, sniffVmfs } from '../src/vmfs/index.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { hasSharedCorpus, SHARED_CORPUS } from './helpers/paths.js';
import { gptSectors, type GptOptions } from './helpers/lun-wrap.js';

/** A LUN held in memory: only the sectors written are stored. */
class MemLun implements BlockDevice {
  readonly name = 'mem.img';
  private readonly sectors = new Map<number, Buffer>();
  constructor(readonly size: number) {}
  write(offset: number, data: Buffer): void {
    for (let i = 0; i < data.length; i++) {
      const s = Math.floor((offset + i) / 512);
      let b = this.sectors.get(s);
      if (!b) this.sectors.set(s, (b = Buffer.alloc(512)));
      b[(offset + i) % 512] = data[i]!;
    }
  }
  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    buf.fill(0, 0, n);
    for (let i = 0; i < n; ) {
      const s = Math.floor((offset + i) / 512);
      const within = (offset + i) % 512;
      const len = Math.min(512 - within, n - i);
      const b = this.sectors.get(s);
      if (b) buf.set(b.subarray(within, within + len), i);
      i += len;
    }
    return n;
  }
  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    return n ? [{ offset, length: n, kind: 'data' }] : [];
  }
  async close(): Promise<void> {}
}

const VMFS = 'AA31E02A-400F-11DB-9590-000C2911D1B8';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const MiB = 1 << 20;

/** A GPT LUN with the given partitions and LVM magic at 1 MiB into each VMFS one. */
function gptLun(sector: number, parts: Array<[first: number, count: number, type: string]>, o: GptOptions = {}): MemLun {
  const lun = new MemLun(64 * MiB);
  for (const [at, bytes] of gptSectors(lun.size, sector, parts, o)) lun.write(at, bytes);
  for (const [first, , type] of parts) if (type === VMFS) lun.write(first * sector + MiB, Buffer.from([0x0d, 0xd0, 0x01, 0xc0]));
  return lun;
}

function mbrLun(entries: Array<[slot: number, type: number, start: number, count: number]>): MemLun {
  const lun = new MemLun(64 * MiB);
  const mbr = Buffer.alloc(512);
  mbr.writeUInt16LE(0xaa55, 510);
  for (const [slot, type, start, count] of entries) {
    mbr[446 + slot * 16 + 4] = type;
    mbr.writeUInt32LE(start, 446 + slot * 16 + 8);
    mbr.writeUInt32LE(count, 446 + slot * 16 + 12);
    if (type === 0xfb) lun.write(start * 512 + MiB, Buffer.from([0x0d, 0xd0, 0x01, 0xc0]));
  }
  lun.write(0, mbr);
  return lun;
}

describe('partition detection', () => {
  it('GPT with 512-byte sectors: the VMFS partition, not the Linux one', async () => {
    const lun = gptLun(512, [
      [2048, 8192, LINUX],
      [10240, 40960, VMFS],
    ]);
    const { device, chosen, layout } = await findVmfsPartition(lun);
    expect(layout.table?.scheme).toBe('gpt');
    expect(chosen.entry).toMatchObject({ index: 2, start: 10240 * 512, size: 40960 * 512, type: VMFS, isVmfs: true });
    expect(device.size).toBe(40960 * 512);
    expect(await sniffVmfs(lun)).toBe(true);
  });

  it('GPT on a 4Kn LUN (header at byte 4096)', async () => {
    const { chosen, layout } = await findVmfsPartition(gptLun(4096, [[256, 4096, VMFS]]));
    expect(layout.table?.sectorSize).toBe(4096);
    expect(chosen.entry?.start).toBe(256 * 4096);
  });

  it('a damaged primary GPT header: the backup is used and the examiner told', async () => {
    const { layout, chosen } = await findVmfsPartition(gptLun(512, [[2048, 40960, VMFS]], { breakPrimary: true }));
    expect(chosen.entry?.start).toBe(MiB);
    expect(layout.table?.warnings[0]).toMatch(/primary GPT header at LBA 1: header CRC32 does not match; using the backup header/);
  });

  it('both GPT headers damaged: a CORRUPT error naming the primary header', async () => {
    await expect(scanLun(gptLun(512, [[2048, 40960, VMFS]], { breakPrimary: true, breakBackup: true }))).rejects.toMatchObject({
      code: 'CORRUPT',
      message: 'mem.img: primary GPT header at byte 512 (0x200): header CRC32 does not match, and no valid backup header was found',
    });
  });

  it('two VMFS partitions: --partition is required and picks one', async () => {
    const lun = gptLun(512, [
      [2048, 20480, VMFS],
      [22528, 20480, VMFS],
    ]);
    await expect(findVmfsPartition(lun)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/2 VMFS partitions \(numbers 1, 2: 1 = VMware VMFS, VMFS LVM device .*; 2 = VMware VMFS, .*\): choose one with --partition N/) });
    expect((await findVmfsPartition(lun, 2)).chosen.entry?.start).toBe(22528 * 512);
    await expect(findVmfsPartition(lun, 3)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('MBR type 0xFB in any primary entry (vmfs-tools 0.2.5 looks only at the first)', async () => {
    const { chosen, layout } = await findVmfsPartition(mbrLun([[0, 0x83, 2048, 2048], [2, 0xfb, 8192, 65536]]));
    expect(layout.table?.scheme).toBe('mbr');
    expect(chosen.entry).toMatchObject({ index: 3, start: 8192 * 512, type: '0xFB' });
  });

  it('MBR at the ESX 3 alignment (LBA 128)', async () => {
    expect((await findVmfsPartition(mbrLun([[0, 0xfb, 128, 65536]]))).chosen.entry?.start).toBe(128 * 512);
  });

  it('a protective MBR without any GPT header is corrupt', async () => {
    await expect(scanLun(mbrLun([[0, 0xee, 1, 131071]]))).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/protective MBR/) });
  });

  it('an MBR VMFS entry past the end of the LUN', async () => {
    await expect(scanLun(mbrLun([[0, 0xfb, 2048, 1 << 20]]))).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/MBR entry 1 at byte 446/) });
  });

  it('bare partition (LVM magic at 1 MiB) and bare volume (FS magic at 2 MiB)', async () => {
    const bare = new MemLun(8 * MiB);
    bare.write(MiB, Buffer.from([0x0d, 0xd0, 0x01, 0xc0]));
    expect((await scanLun(bare)).vmfs).toEqual([{ entry: null, content: 'lvm' }]);
    const vol = new MemLun(8 * MiB);
    vol.write(2 * MiB, Buffer.from([0x5e, 0xf1, 0xab, 0x2f]));
    expect((await scanLun(vol)).vmfs).toEqual([{ entry: null, content: 'volume' }]);
    expect(await sniffVmfs(new MemLun(8 * MiB))).toBe(false);
  });
});

describe.runIf(hasSharedCorpus())('util-linux VMFS fragments (probe images, not mountable)', () => {
  it('LVM header only: detected, then a clean error about its PE table', async () => {
    const dev = await FileDevice.open(await gunzipCached(path.join(SHARED_CORPUS, 'vmfs', 'utillinux-vmfs3-lvmhdr-only.img.gz')));
    expect(await sniffVmfs(dev)).toBe(true);
    await expect(openVmfs(dev, 'x::')).rejects.toMatchObject({ code: expect.stringMatching(/CORRUPT|TRUNCATED|NOT_FOUND/) });
    await dev.close();
  });

  it('FS descriptor only: detected as a bare volume; label and version read, then a clean error', async () => {
    const dev = await FileDevice.open(await gunzipCached(path.join(SHARED_CORPUS, 'vmfs', 'utillinux-vmfs3-fsdesc-only.img.gz')));
    expect((await scanLun(dev)).vmfs).toEqual([{ entry: null, content: 'volume' }]);
    await expect(openVmfs(dev, 'x::')).rejects.toMatchObject({ name: 'VmfskitError' });
    await dev.close();
  });
});
