/**
 * Disks whose bytes are not in the evidence files are reported, not read as
 * zeros or ciphertext (README "not readable (reported)"): an encrypted disk
 * (keyID / encryptionKeys in the descriptor, or the vmwarevmcrypt I/O filter
 * in the DDB) and a vSAN sparse extent. One line naming the file, the
 * descriptor line and byte offset; exit 2; no output file.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';

function descriptor(extent: string, extra: string[] = [], ddb: string[] = []): string {
  return ['# Disk DescriptorFile', 'version=1', ...extra, 'CID=fffffffe', 'parentCID=ffffffff', 'createType="vmfs"', '', '# Extent description', extent, '', '# The Disk Data Base', '#DDB', '', 'ddb.adapterType = "lsilogic"', ...ddb, ''].join('\n');
}

/** Byte offset of the line that starts with `prefix`. */
function offsetOf(text: string, prefix: string): { line: number; byte: number } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  return { line: i + 1, byte: lines.slice(0, i).join('\n').length + (i > 0 ? 1 : 0) };
}

describe('disks that cannot be read from the files', () => {
  const dir = scratch('vmdk-unreadable');
  writeFileSync(path.join(dir, 'enc-flat.vmdk'), Buffer.alloc(1 << 20));

  it('an encrypted disk (keyID): every read refuses, naming the keyID line', async () => {
    const text = descriptor('RW 2048 VMFS "enc-flat.vmdk"', ['encoding="UTF-8"', 'keyID="key-provider-1:abcd"']);
    const disk = path.join(dir, 'enc.vmdk');
    writeFileSync(disk, text);
    const at = offsetOf(text, 'keyID');
    const want = `vmfskit: ${disk}: descriptor line ${at.line} at byte ${at.byte} (0x${at.byte.toString(16)}): the disk is encrypted (VM encryption: keyID/encryptionKeys or the vmwarevmcrypt I/O filter); its extents hold ciphertext\n`;
    for (const args of [['cat', disk], ['hash', disk], ['convert', disk, path.join(dir, 'enc.raw')]]) {
      const r = await runCli(args);
      expect({ args, code: r.code, stderr: r.stderr, out: r.stdout.length }).toEqual({ args, code: 2, stderr: want, out: 0 });
    }
  });

  it('an encrypted disk (vmwarevmcrypt I/O filter in the DDB) is refused too', async () => {
    const text = descriptor('RW 2048 VMFS "enc-flat.vmdk"', [], ['ddb.iofilters = "vmwarevmcrypt"']);
    const disk = path.join(dir, 'filter.vmdk');
    writeFileSync(disk, text);
    const r = await runCli(['cat', disk]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `vmfskit: ${disk}: descriptor: the disk is encrypted (VM encryption: keyID/encryptionKeys or the vmwarevmcrypt I/O filter); its extents hold ciphertext\n`,
    });
  });

  it('a vSAN sparse extent: refused naming the extent line', async () => {
    const text = descriptor('RW 2048 VSANSPARSE "vsan://0123456789abcdef"');
    const disk = path.join(dir, 'vsan.vmdk');
    writeFileSync(disk, text);
    const at = offsetOf(text, 'RW 2048');
    const r = await runCli(['cat', disk]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `vmfskit: ${disk}: extent 1 (descriptor line ${at.line}) at byte ${at.byte} (0x${at.byte.toString(16)}): vSAN sparse extent "vsan://0123456789abcdef" (2048 sectors): vSAN objects cannot be read from files\n`,
    });
    expect(readdirSync(dir).sort()).toEqual(['enc-flat.vmdk', 'enc.vmdk', 'filter.vmdk', 'vsan.vmdk']);
  });
});
