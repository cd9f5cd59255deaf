/**
 * Damaged VMFS images: each must end in one line on stderr naming the
 * file, the structure and the byte offset, and a non-zero exit — never a
 * stack trace or a hang. Damage is applied to a scratch copy of the real
 * VMFS-5 sample (offsets below are the sample's, from vmfs-format.md §2–§10
 * and `debugvmfs show`).
 */
import { closeSync, openSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { hasSharedCorpus, scratch, SHARED_CORPUS } from './helpers/paths.js';
import { isOneLineError, runCli } from './helpers/cli.js';
import { copyImage, wrapPartition } from './helpers/lun-wrap.js';

/** Host offsets in esxi-vmfs5-small (a bare partition: volume offset + 0x1100000). */
const AT = {
  lvmMagic: 0x100000,
  volumeDeviceCount: 0x100200 + 0x90,
  pe0Logical: 0x180600 + 0x11,
  pe0Length: 0x180600 + 0x19,
  fsMagic: 0x1300000,
  /** `/directory`'s entries (sub-block c4 r0, volume 0x920000), 140 bytes each: ., .., file1 … file5, symlink. */
  dirEntry: (i: number) => 0x1a20000 + i * 140,
  /** FD 0x02000004 (`/directory`, c0 r8) and 0x03400004 (`file5`, c0 r13) in FDC cluster 0. */
  dirFd: 0x1524000,
  file5Fd: 0x1526800,
};

let image = '';
const patched: Array<{ at: number; old: Buffer }> = [];

function patch(at: number, bytes: Buffer): void {
  const fd = openSync(image, 'r+');
  try {
    const old = Buffer.alloc(bytes.length);
    readSync(fd, old, 0, old.length, at);
    patched.push({ at, old });
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

async function expectError(args: string[], exit: number, ...parts: Array<string | RegExp>): Promise<string> {
  const r = await runCli(args, { timeoutMs: 30_000 });
  expect(r.signal).toBeNull();
  expect(isOneLineError(r.stderr), r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stdout.length).toBe(0);
  for (const p of parts) expect(r.stderr).toMatch(p);
  return r.stderr;
}

describe.runIf(hasSharedCorpus())('bad VMFS input → one-line errors', () => {
  let dir = '';
  beforeAll(async () => {
    const bare = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
    dir = scratch('vmfs-bad');
    image = path.join(dir, 'patched.bin');
    copyImage(bare, image);
  });
  afterEach(() => {
    // Undo in reverse order so the next case starts from the pristine copy.
    const fd = openSync(image, 'r+');
    for (const p of patched.reverse()) writeSync(fd, p.old, 0, p.old.length, p.at);
    closeSync(fd);
    patched.length = 0;
  });

  it('a LUN with no VMFS partition', async () => {
    const lun = path.join(dir, 'linux-lun.img');
    const fd = openSync(lun, 'w');
    ftruncateSync(fd, 8 << 20);
    const mbr = Buffer.alloc(512);
    mbr.writeUInt16LE(0xaa55, 510);
    mbr[446 + 4] = 0x83;
    mbr.writeUInt32LE(2048, 446 + 8);
    mbr.writeUInt32LE(8192, 446 + 12);
    writeSync(fd, mbr, 0, 512, 0);
    closeSync(fd);
    await expectError(['ls', `${lun}::/`], 3, 'linux-lun.img: partition table at byte 0 (0x0): no VMFS partition found: MBR with 1 partition(s) (types 0x83)');
  });

  it('a bad LVM magic (bare partition, and behind a VMFS-typed GPT entry)', async () => {
    patch(AT.lvmMagic, u32(0xdeadbeef));
    await expectError(['ls', `${image}::/`], 3, /patched\.bin: LVM device header at byte 1048576 \(0x100000\): no VMFS partition found/);
    const lun = path.join(dir, 'gpt-bad-lvm.img');
    wrapPartition(image, lun, { scheme: 'gpt' });
    await expectError(['ls', `${lun}::/`], 3, 'gpt-bad-lvm.img: LVM device header at byte 2097152 (0x200000): bad magic 0xdeadbeef (expected 0xc001d00d)');
  });

  it('a PE table that leaves a hole', async () => {
    patch(AT.pe0Logical, u64(0x100000));
    await expectError(['ls', `${image}::/`], 3, 'LVM PE table at byte 1048576 (0x100000): the PE tables leave logical volume bytes 0–1048576 unmapped');
  });

  it('a missing member of a spanned volume is named', async () => {
    // Two devices, but this one holds only the first half of the volume.
    patch(AT.volumeDeviceCount, u32(2));
    patch(AT.pe0Length, u64(0x8000000));
    await expectError(['ls', `${image}::/`], 2, /spanned volume member missing: the volume has 2 devices, 1 given .*mpx\.vmhba0:C0:T4:L0:1.*--extent/);
  });

  it('a bad FS descriptor magic', async () => {
    patch(AT.fsMagic, u32(0x12345678));
    await expectError(['ls', `${image}::/`], 3, 'FS descriptor at byte 19922944 (0x1300000): bad magic 0x12345678 (expected 0x2fabf15e)');
  });

  it('an FD address out of range in a directory entry', async () => {
    patch(AT.dirEntry(6) + 4, u32((5000 << 6) | 4));
    await expectError(['ls', '-l', `${image}::/directory`], 3, /directory \/directory entry 'file5' \(FD 0x0004e204\) at byte 27394888 \(0x1a20348\): cluster 5000 resource 0 is beyond the 64 resources — outside \.fdc\.sf/);
  });

  it('a pointer block address outside its resource file', async () => {
    patch(AT.file5Fd + 512 + 0x44, u32(3)); // ZLA 3: single indirect
    patch(AT.file5Fd + 1024, u32((999 << 6) | 3)); // PB c999 r0
    await expectError(['cat', `${image}::/directory/file5`], 3, /FD 0x03400004 .*address array entry 0 \(pointer block 0x0000f9c3\) at byte 22178816 \(0x1526c00\): cluster 999 resource 0 is beyond the 1 resources — outside \.pbc\.sf/);
  });

  it('a directory whose length is not a multiple of 140', async () => {
    patch(AT.dirFd + 512 + 0x14, u64(1121));
    await expectError(['ls', `${image}::/directory`], 3, /directory \/directory \(FD 0x02000004\) length at byte 22168084 \(0x1524214\): directory length 1121 is not a multiple of the 140-byte entry size/);
  });

  it('a loop of directory FDs', async () => {
    // file1's entry now names the root directory: /directory/file1 is / again.
    patch(AT.dirEntry(2), Buffer.concat([u32(2), u32(0x00000004)]));
    await expectError(['ls', '-R', `${image}::/`], 3, 'directory loop: /directory/file1 is FD 0x00000004, already visited as /');
  });
});
