import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDescriptor, looksLikeDescriptor, MAX_DESCRIPTOR_BYTES } from '../src/vmdk/descriptor.js';
import { VmfskitError } from '../src/errors.js';
import { SHARED_CORPUS, hasSharedCorpus } from './helpers/paths.js';

const parse = (text: string | Buffer, embedded = false) => parseDescriptor(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), 'd.vmdk', { embedded });

function failure(fn: () => unknown): VmfskitError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VmfskitError) return e;
    throw e;
  }
  throw new Error('expected a VmfskitError');
}

describe('VMDK descriptor parser', () => {
  it('reads every extent type, access mode, offsets and quoted names with spaces (vmdk-format §1.4)', () => {
    const d = parse(
      [
        '# Disk DescriptorFile',
        'version=1',
        'CID=0dc3c2a9 ',
        'parentCID=ffffffff',
        'createType="custom"',
        '',
        'RW 20480 FLAT "my disk-flat.vmdk" 0',
        'RDONLY 128 FLAT "dev.vmdk" 2048 extra1 extra2',
        'NOACCESS 64 ZERO',
        'RW 4096 VMFS "4-flat.vmdk" 0',
        'RW 4096 VMFS "thick-flat.vmdk"',
        'RW 4096 SPARSE "s001.vmdk"',
        'RW 4096 VMFSSPARSE "x-delta.vmdk"',
        'RW 4096 SESPARSE "x-sesparse.vmdk"',
        'RW 1048576000 VMFSRDM "RDM-rdm.vmdk"',
        'RW 8 VMFSRAW "/vmfs/devices/disks/naa.1"',
        'rw 8 vsanSparse "vsan://abc"',
      ].join('\n'),
    );
    expect(d.extents.map((e) => [e.access, e.sectors, e.type, e.filename, e.offset])).toEqual([
      ['RW', 20480, 'FLAT', 'my disk-flat.vmdk', 0],
      ['RDONLY', 128, 'FLAT', 'dev.vmdk', 2048],
      ['NOACCESS', 64, 'ZERO', undefined, undefined],
      ['RW', 4096, 'VMFS', '4-flat.vmdk', 0],
      ['RW', 4096, 'VMFS', 'thick-flat.vmdk', undefined],
      ['RW', 4096, 'SPARSE', 's001.vmdk', undefined],
      ['RW', 4096, 'VMFSSPARSE', 'x-delta.vmdk', undefined],
      ['RW', 4096, 'SESPARSE', 'x-sesparse.vmdk', undefined],
      ['RW', 1048576000, 'VMFSRDM', 'RDM-rdm.vmdk', undefined],
      ['RW', 8, 'VMFSRAW', '/vmfs/devices/disks/naa.1', undefined],
      ['RW', 8, 'VSANSPARSE', 'vsan://abc', undefined],
    ]);
    expect(d.extents[1]!.extra).toEqual(['extra1', 'extra2']);
    expect(d.cid).toBe(0x0dc3c2a9);
    expect(d.parentCid).toBe(0xffffffff);
    expect(d.createType).toBe('custom');
  });

  it('handles CRLF, spaces around "=", trailing blanks, unknown keys and the DDB', () => {
    const d = parse(
      '# Disk DescriptorFile\r\nversion=3 \r\nencoding="UTF-8"\r\nCID=fffffffe\r\nparentCID=0172e8a4\r\nisNativeSnapshot="no"\r\ncreateType="vmfsSparse"\r\n' +
        'parentFileNameHint="vmfs_thick.vmdk"\r\nchangeTrackPath="x-ctk.vmdk"\r\nsomeFutureKey = "kept"\r\n# Extent description\r\nRW 4096 VMFSSPARSE "x-000001-delta.vmdk"\r\n\r\n' +
        '# The Disk Data Base\r\n#DDB\r\n\r\nddb.longContentID = "5a8e2e2f0cb6bc3e4e9b59a1fffffffe"\r\nddb.uuid = "60 00 C2 9f 48 66 ae a5-2f 18 d3 03 0b a9 14 ff"\r\nddb.thinProvisioned = "1"',
    );
    expect(d.version).toBe(3);
    expect(d.cid).toBe(0xfffffffe);
    expect(d.parentCid).toBe(0x0172e8a4);
    expect(d.parentFileNameHint).toBe('vmfs_thick.vmdk');
    expect(d.where('somefuturekey')?.value).toBe('kept');
    expect(d.where('changeTrackPath')?.value).toBe('x-ctk.vmdk');
    expect(d.extents).toHaveLength(1); // the CBT file is never an extent
    expect(d.ddb).toEqual({
      'ddb.longContentID': '5a8e2e2f0cb6bc3e4e9b59a1fffffffe',
      'ddb.uuid': '60 00 C2 9f 48 66 ae a5-2f 18 d3 03 0b a9 14 ff',
      'ddb.thinProvisioned': '1',
    });
  });

  it('accepts an unquoted createType and a descriptor without the section comments', () => {
    const d = parse('version=1\nCID=1\nparentCID=ffffffff\ncreateType=monolithicFlat\nRW 1 FLAT "f" 0\n');
    expect(d.createType).toBe('monolithicFlat');
  });

  it('embedded text ends at the first NUL; stand-alone text with binary after a NUL is refused', () => {
    const text = Buffer.concat([Buffer.from('version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicSparse"\nRW 8 SPARSE "x.vmdk"\n'), Buffer.alloc(100)]);
    expect(parse(text, true).extents).toHaveLength(1);
    const withJunk = Buffer.concat([text, Buffer.from('garbage')]);
    expect(parse(withJunk, true).extents).toHaveLength(1);
    const e = failure(() => parse(withJunk));
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toBe(`d.vmdk: descriptor at byte ${text.indexOf(0)} (0x${text.indexOf(0).toString(16)}): binary data inside descriptor text`);
  });

  it('decodes file names with the declared encoding (windows-1252, GBK)', () => {
    const cp1252 = Buffer.concat([Buffer.from('version=1\nencoding="windows-1252"\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 8 FLAT "caf'), Buffer.from([0xe9]), Buffer.from('-flat.vmdk" 0\n')]);
    expect(parse(cp1252).extents[0]!.filename).toBe('café-flat.vmdk');
    const gbk = Buffer.concat([Buffer.from('version=1\nencoding="GBK"\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 8 FLAT "'), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), Buffer.from('-flat.vmdk" 0\n')]);
    expect(parse(gbk).extents[0]!.filename).toBe('你好-flat.vmdk');
    // No encoding key and not UTF-8: windows-1252, said out loud.
    const bare = Buffer.concat([Buffer.from('version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 8 FLAT "caf'), Buffer.from([0xe9]), Buffer.from('.vmdk" 0\n')]);
    const d = parse(bare);
    expect(d.extents[0]!.filename).toBe('café.vmdk');
    expect(d.warnings.join()).toMatch(/not valid UTF-8: decoded as windows-1252/);
  });

  it('names the line number and byte offset of a garbage line', () => {
    const text = 'version=1\nCID=1\nparentCID=ffffffff\ncreateType="monolithicFlat"\nthis is not a descriptor line\nRW 8 FLAT "f" 0\n';
    const e = failure(() => parse(text));
    const at = text.indexOf('this');
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toBe(`d.vmdk: descriptor line 5 at byte ${at} (0x${at.toString(16)}): not a "key = value" or extent line: "this is not a descriptor line"`);
  });

  it('refuses bad content ids, unterminated names, missing version and missing extents', () => {
    expect(failure(() => parse('version=1\nCID=xyz\nRW 8 FLAT "f" 0\n')).message).toBe('d.vmdk: descriptor line 2 at byte 10 (0xa): CID "xyz" is not a 32-bit hex content id');
    expect(failure(() => parse('version=1\nRW 8 FLAT "f 0\n')).message).toBe('d.vmdk: descriptor line 2 at byte 10 (0xa): extent file name has no closing quote');
    expect(failure(() => parse('CID=1\nRW 8 FLAT "f" 0\n')).code).toBe('BAD_MAGIC');
    expect(failure(() => parse('version=1\nCID=1\n')).message).toBe('d.vmdk: descriptor at byte 0 (0x0): descriptor has no extent lines');
    expect(failure(() => parse('version=1\nRW 8 FLAT\n')).message).toBe('d.vmdk: descriptor line 2 at byte 10 (0xa): FLAT extent without a file name');
  });

  it('caps the size of a descriptor', () => {
    const big = Buffer.alloc(MAX_DESCRIPTOR_BYTES + 1, 0x23);
    expect(failure(() => parse(big)).message).toMatch(/more than the 1048576-byte limit/);
  });

  it('sniffs descriptors by content, not by name', () => {
    expect(looksLikeDescriptor(Buffer.from('# Description file created by VMDK stream converter\nversion=1\nRW 8 SPARSE "x"\n'))).toBe(true);
    expect(looksLikeDescriptor(Buffer.from('hello\nworld\n'))).toBe(false);
    expect(looksLikeDescriptor(Buffer.concat([Buffer.from('version=1\nRW 8 FLAT "x" 0\n'), Buffer.alloc(10), Buffer.from([1])]))).toBe(false);
  });
});

describe.runIf(hasSharedCorpus())('VMDK descriptor parser on real descriptors', () => {
  it('reads the 16-extent Workstation descriptor (ms3-win.vmdk)', () => {
    const f = path.join(SHARED_CORPUS, 'vmdk', 'securityronin', 'ms3-win.vmdk');
    const d = parseDescriptor(readFileSync(f), 'ms3-win.vmdk');
    expect(d.createType).toBe('twoGbMaxExtentSparse');
    expect(d.extents).toHaveLength(16);
    expect(d.extents[0]).toMatchObject({ access: 'RW', sectors: 8323072, type: 'SPARSE', filename: 'disk-s001.vmdk' });
    expect(d.extents[15]).toMatchObject({ sectors: 983040, filename: 'disk-s016.vmdk' });
  });

  it('reads the stream converter descriptor with comments between keys', async () => {
    const f = path.join(SHARED_CORPUS, 'vmdk', 'third-party', 'vmdk-rs', 'streamOptimizedWithMarkers.vmdk');
    const buf = readFileSync(f);
    const d = parseDescriptor(buf.subarray(512, 512 + 20 * 512), 'x', { embedded: true, base: 512 });
    expect(d.extents[0]).toMatchObject({ access: 'RDONLY', type: 'SPARSE', filename: 'call-me-stream.vmdk' });
  });
});
