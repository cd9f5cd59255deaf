/**
 * Real VMware-made (and third-party) VMDKs from the shared corpus. Expected
 * raw sha256 values are those of /work/shared/corpus/README.md and
 * vmdk/SOURCES.md (qemu-img convert -O raw, confirmed by vmdkmount where it
 * can read the file).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { HostResolver } from '../src/device/resolver.js';
import { readSequential } from '../src/device/sequential.js';
import { openVmdk, type VmdkDisk } from '../src/vmdk/index.js';
import { VmfskitError } from '../src/errors.js';
import { SHARED_CORPUS, hasSharedCorpus, scratch } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';

const V = path.join(SHARED_CORPUS, 'vmdk');
const TEN_MIB = 'a3bcf05f07a1c06a3380eeca8571f0efb2b85afafa1e21662b8cad436d1f7727';

async function open(file: string): Promise<VmdkDisk> {
  return openVmdk(new HostResolver(path.dirname(file)), path.basename(file));
}

async function hashDisk(d: VmdkDisk): Promise<string> {
  const h = createHash('sha256');
  const zeros = Buffer.alloc(4 << 20);
  for await (const c of readSequential(d)) {
    if (c.data) h.update(c.data);
    else for (let left = c.length; left > 0; left -= zeros.length) h.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  }
  return h.digest('hex');
}

/** A descriptor from the corpus beside its gunzipped flat file, in a scratch folder. */
async function withFlat(descriptor: string, flatGz: string): Promise<string> {
  const dir = scratch('vmdk-flat');
  copyFileSync(descriptor, path.join(dir, path.basename(descriptor)));
  symlinkSync(await gunzipCached(flatGz), path.join(dir, path.basename(flatGz, '.gz')));
  return path.join(dir, path.basename(descriptor));
}

async function expectDisk(file: string, sha: string, size: number): Promise<VmdkDisk> {
  const d = await open(file);
  try {
    expect(d.size).toBe(size);
    expect(await hashDisk(d)).toBe(sha);
  } finally {
    await d.close();
  }
  return d;
}

describe.runIf(hasSharedCorpus())('VMDK reader on real images', () => {
  it('monolithicSparse (vmware-vdiskmanager)', async () => {
    const d = await expectDisk(path.join(V, 'vmdk-rs/monolithicSparse.vmdk'), TEN_MIB, 10485760);
    expect(d.layers[0]).toMatchObject({ createType: 'monolithicSparse', cid: 0, parentCid: 0xffffffff });
  });

  it('streamOptimized with the GD at the front (vmware-vdiskmanager)', async () => {
    await expectDisk(path.join(V, 'vmdk-rs/streamOptimized.vmdk'), TEN_MIB, 10485760);
  });

  it('twoGbMaxExtentSparse: descriptor + -s001 without an embedded descriptor', async () => {
    await expectDisk(path.join(V, 'vmdk-rs/twoGbMaxExtentSparse.vmdk'), TEN_MIB, 10485760);
  });

  it('monolithicFlat, twoGbMaxExtentFlat and the VMFS "4-flat.vmdk" 0 line qemu-img rejects', async () => {
    await expectDisk(await withFlat(path.join(V, 'vmdk-rs/monolithicFlat.vmdk'), path.join(V, 'vmdk-rs/monolithicFlat-flat.vmdk.gz')), TEN_MIB, 10485760);
    await expectDisk(await withFlat(path.join(V, 'vmdk-rs/twoGbMaxExtentFlat.vmdk'), path.join(V, 'vmdk-rs/twoGbMaxExtentFlat-f001.vmdk.gz')), TEN_MIB, 10485760);
    const d = await expectDisk(await withFlat(path.join(V, 'vmdk-rs/633336b/4.vmdk'), path.join(V, 'vmdk-rs/633336b/4-flat.vmdk.gz')), TEN_MIB, 10485760);
    expect(d.layers[0]!.extents[0]).toMatchObject({ type: 'VMFS', offset: 0, format: 'flat' });
  });

  it('ESXi vmfs_thick (VMFS extent without offset)', async () => {
    const d = await expectDisk(path.join(V, 'vmdk-rs/vmfs_thick.vmdk'), '8d43c795d24bce01b49f92744f934c1072210dcac170bb1c83a5aa56df46ab7d', 2097152);
    expect(d.layers[0]).toMatchObject({ createType: 'vmfs', cid: 0x0172e8a4 });
  });

  it('VMware export stream with gdOffset = -1, footer and progress markers (8 GiB, empty); stale embedded name', async () => {
    const d = await open(path.join(V, 'cot/e9366f3/blank.vmdk'));
    try {
      expect(d.size).toBe(8589934592);
      // The whole disk maps as one hole: no byte of the 8 GiB is stored, so it reads as zeros (sha256 ebfb4ef1… by construction).
      expect(await d.map(0, d.size)).toEqual([{ offset: 0, length: 8589934592, kind: 'zero', depth: 0, file: d.name, present: false }]);
      const buf = Buffer.alloc(1 << 20, 0xff);
      await d.read(buf, 8589934592 - buf.length);
      expect(buf.every((b) => b === 0)).toBe(true);
      expect(d.layers[0]!.warnings.join('\n')).toMatch(/names the extent "generated-stream.vmdk" \(the file was renamed\): read "blank.vmdk"/);
      expect(d.info()['format-specific']).toMatchObject({ data: { 'create-type': 'streamOptimized', extents: [{ compressed: true, 'cluster-size': 65536 }] } });
    } finally {
      await d.close();
    }
  });

  it('older VMware exports: valid gdOffset and a footer, no "# The Disk Data Base" line', async () => {
    await expectDisk(path.join(V, 'cot/blank.vmdk'), '9acca8e8c22201155389f65abbf6bc9723edc7384ead80503839f49dcc56d767', 536870912);
    // input.vmdk (1 GiB, raw sha256 49bc20df… = all zeros): every grain table is present and empty, so the map alone proves the content.
    const d = await open(path.join(V, 'cot/input.vmdk'));
    expect(d.size).toBe(1073741824);
    expect(await d.map(0, d.size)).toEqual([{ offset: 0, length: 1073741824, kind: 'zero', depth: 0, file: d.name, present: false }]);
    await d.close();
  });

  it('third-party streams: VirtualBox footer layout, the Python stream converter', async () => {
    await expectDisk(path.join(V, 'third-party/xo-vmdk-to-vhd/test.vmdk'), 'bb9f8df61474d25e71fa00722318cd387396ca1736605e1248821cc0de3d3af8', 4194304);
    await expectDisk(path.join(V, 'third-party/vmdk-rs/streamOptimizedWithMarkers.vmdk'), '92c0f8b4280377437056f57c51ef51a5f8aeb1462ac630ef0633febcbfc3db4e', 1048576);
    const d = await open(path.join(V, 'third-party/cot/ubuntu.2.0-disk1.vmdk'));
    expect(d.size).toBe(8589934592);
    expect((await d.map(0, d.size)).every((r) => r.kind === 'zero')).toBe(true);
    await d.close();
  });

  it('vmfs_thick-000001.vmdk: its COWD delta is missing → NOT_FOUND naming it', async () => {
    const e = await open(path.join(V, 'vmdk-rs/vmfs_thick-000001.vmdk')).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(VmfskitError);
    expect((e as VmfskitError).code).toBe('NOT_FOUND');
    expect((e as VmfskitError).message).toMatch(/vmfs_thick-000001\.vmdk: extent 1 \(descriptor line 9\) at byte 163 \(0xa3\): extent file "vmfs_thick-000001-delta\.vmdk" does not exist/);
  });
});
