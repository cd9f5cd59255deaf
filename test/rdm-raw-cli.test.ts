/**
 * A VMFSRAW extent (vmdk-format §8: a raw device named by path, as ESXi's
 * vmfsRawDeviceMap descriptors do) holds no data in the evidence: `info`
 * shows the mapping, and every command that would read the disk refuses in
 * one line naming the device, with exit 2 and no output file.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';

const DEVICE = '/vmfs/devices/disks/naa.600508b1001c4d4e5f6a7b8c9d0e1f20';
const DESCRIPTOR = [
  '# Disk DescriptorFile',
  'version=1',
  'CID=fffffffe',
  'parentCID=ffffffff',
  'createType="vmfsRawDeviceMap"',
  '',
  '# Extent description',
  `RW 2048 VMFSRAW "${DEVICE}"`,
  '',
  '# The Disk Data Base',
  '#DDB',
  '',
  'ddb.adapterType = "lsilogic"',
  '',
].join('\n');

describe('VMFSRAW extents (raw device by path)', () => {
  const dir = scratch('vmfsraw');
  const disk = path.join(dir, 'raw.vmdk');
  writeFileSync(disk, DESCRIPTOR);
  // The extent line starts after the first 7 lines.
  const at = DESCRIPTOR.split('\n').slice(0, 7).join('\n').length + 1;
  const refusal = `vmfskit: ${disk}: extent 1 (descriptor line 8) at byte ${at} (0x${at.toString(16)}): raw device mapping: the disk's 1048576 bytes are on the device ${DEVICE}, not in these files; image that LUN separately\n`;

  it('info shows the mapped device and size, and no allocated bytes', async () => {
    const r = await runCli(['info', '--json', disk]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const j = JSON.parse(r.stdout.toString());
    expect(j['virtual-size']).toBe(1 << 20);
    const layer = j.layers[0];
    expect(layer['allocated-bytes']).toBe(0);
    expect(layer.extents[0]).toMatchObject({ type: 'VMFSRAW', filename: DEVICE, format: 'raw-device', details: { format: 'raw-device', 'mapped-size': 1 << 20 } });
  });

  it('cat, hash and convert refuse in one line naming the device (exit 2), and write nothing', async () => {
    for (const args of [['cat', disk], ['hash', disk], ['convert', disk, path.join(dir, 'out.raw')]]) {
      const r = await runCli(args);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout.length }).toEqual({ args, code: 2, stderr: refusal, stdout: 0 });
    }
    expect(existsSync(path.join(dir, 'out.raw'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['raw.vmdk']);
  });
});
