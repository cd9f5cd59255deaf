/**
 * A LUN attached as a block device (here a read-only loop device over a LUN
 * image, the way `/dev/sdX` looks after an iSCSI login): its size comes from
 * the device (BLKGETSIZE64, not st_size = 0), the VMFS volume on its GPT is
 * found and read, and the device hashes like the image file behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { sha256File } from './helpers/hash.js';
import { scratch } from './helpers/paths.js';
import { requireTools } from './helpers/tools.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';

const root = process.getuid?.() === 0;

describe.runIf(root && requireTools('losetup', '/dev/loop-control'))('a LUN as a block device (read-only loop device)', () => {
  const dir = scratch('device-block');
  const lun = path.join(dir, 'lun.img');
  let dev = '';
  const text = 'on the block device\n';

  beforeAll(async () => {
    await buildVmfs5(
      {
        label: 'BLOCKDEV',
        createTime: 1_700_000_000,
        uuidSeed: 41,
        partitionTable: 'gpt',
        devices: [{ pes: 2 }],
        root: [{ type: 'dir', name: 'VM', children: [{ type: 'file', name: 'note.txt', content: { kind: 'text', text } }] }],
      },
      lun,
    );
    const r = spawnSync('losetup', ['--read-only', '--find', '--show', lun], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    dev = r.stdout.trim();
  });
  afterAll(() => {
    if (dev) spawnSync('losetup', ['-d', dev]);
  });

  it('size from the device, the GPT partition found, a file read from the volume on it', async () => {
    const info = await runCli(['info', '--json', dev]);
    expect({ code: info.code, stderr: info.stderr }).toEqual({ code: 0, stderr: '' });
    const j = JSON.parse(info.stdout.toString());
    // Through the device exactly what the image file gives (a device whose size read as 0 would find no GPT).
    const file = JSON.parse((await runCli(['info', '--json', lun])).stdout.toString());
    expect({ label: j.label, table: j['partition-table'], lvmFile: j.lvm.devices[0].file }).toEqual({ label: 'BLOCKDEV', table: file['partition-table'], lvmFile: dev });
    expect([j['partition-table'].scheme, j['partition-table'].partitions[0].start, j['partition-table'].partitions[0].isVmfs]).toEqual(['gpt', 1 << 20, true]);
    const cat = await runCli(['cat', `${dev}::/VM/note.txt`]);
    expect({ code: cat.code, stderr: cat.stderr, out: cat.stdout.toString() }).toEqual({ code: 0, stderr: '', out: text });
  });

  it('the device hashes like the image file behind it, all of it', async () => {
    const r = await runCli(['hash', '-a', 'sha256', '--json', dev]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const img = JSON.parse(r.stdout.toString()).images[0];
    const { statSync } = await import('node:fs');
    expect([img['virtual-size'], img.hashes.sha256]).toEqual([statSync(lun).size, await sha256File(lun)]);
  });
});
