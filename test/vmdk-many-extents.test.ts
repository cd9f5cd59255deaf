/**
 * Issue 15 (a): a descriptor naming one file on thousands of extent lines.
 * Each line used to open its own handle (20 000 lines naming an SESparse
 * file: 7.7 s, then EMFILE). A file named many times is opened once, and more
 * extent lines than any VMware disk has is a corrupt descriptor, in one line.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { BlockDevice } from '../src/device/block-device.js';
import { HostResolver } from '../src/device/resolver.js';
import { isVmfskitError } from '../src/errors.js';
import { MAX_EXTENTS } from '../src/vmdk/descriptor.js';
import { openVmdk } from '../src/vmdk/index.js';
import { writeSesparseFile } from '../corpus/builders/sesparse-writer.js';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';

const descriptor = (lines: string[]) => ['# Disk DescriptorFile', 'version=1', 'CID=1234abcd', 'parentCID=ffffffff', 'createType="monolithicFlat"', '', ...lines, ''].join('\n');

/** Counts the files a resolver opens and how many are open at once. */
class CountingResolver extends HostResolver {
  opened = 0;
  open_ = 0;
  maxOpen = 0;
  override async open(name: string): Promise<BlockDevice> {
    const d = await super.open(name);
    this.opened++;
    this.maxOpen = Math.max(this.maxOpen, ++this.open_);
    const close = d.close.bind(d);
    d.close = async () => {
      this.open_--;
      await close();
    };
    return d;
  }
}

it('a flat file named on 4000 extent lines is opened once, reads right, and is closed with the disk', async () => {
  const dir = scratch('many-extents');
  const flat = Buffer.alloc(1024);
  for (let i = 0; i < flat.length; i++) flat[i] = (i * 7) & 0xff;
  writeFileSync(path.join(dir, 'f-flat.vmdk'), flat);
  // Line k maps the file's sector k % 2: the disk is the two sectors alternating.
  writeFileSync(path.join(dir, 'd.vmdk'), descriptor(Array.from({ length: 4000 }, (_, k) => `RW 1 FLAT "f-flat.vmdk" ${k % 2}`)));
  const r = new CountingResolver(dir);
  const disk = await openVmdk(r, 'd.vmdk');
  expect(disk.size).toBe(4000 * 512);
  const buf = Buffer.alloc(4 * 512);
  await disk.read(buf, 1998 * 512);
  expect(buf.equals(Buffer.concat([flat, flat]))).toBe(true);
  // The descriptor itself, then the flat file once.
  expect(r.opened).toBe(2);
  await disk.close();
  expect(r.open_).toBe(0);
});

it(`more than ${MAX_EXTENTS} extent lines naming one SESparse file: CORRUPT at once, one line, through the CLI`, async () => {
  const dir = scratch('many-extents-ses');
  writeSesparseFile(path.join(dir, 's.vmdk'), { capacityBytes: 1 << 20, grains: new Map([[0, Buffer.alloc(4096, 1)]]) });
  writeFileSync(path.join(dir, 'd.vmdk'), descriptor(Array.from({ length: 20_000 }, () => 'RW 2048 SESPARSE "s.vmdk"')));
  const t0 = Date.now();
  const e = await openVmdk(new HostResolver(dir), 'd.vmdk').catch((x: unknown) => x);
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(isVmfskitError(e) && e.code).toBe('CORRUPT');
  expect((e as Error).message).toMatch(new RegExp(`d\\.vmdk: descriptor line ${7 + MAX_EXTENTS} at byte \\d+ \\(0x[0-9a-f]+\\): more than ${MAX_EXTENTS} extent lines`));
  const cli = await runCli(['info', path.join(dir, 'd.vmdk')]);
  expect(cli.code).toBe(3);
  expect(cli.stderr.toString().trim().split('\n')).toHaveLength(1);
  expect(readdirSync(dir).sort()).toEqual(['d.vmdk', 's.vmdk']);
});
