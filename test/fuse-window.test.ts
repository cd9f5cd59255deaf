/**
 * The read-ahead window that serves FUSE reads, without FUSE: interleaved
 * sequential and random readers, requests arriving out of order and
 * concurrently, chunk recycling, end of device, a failing device, and the
 * mount-table parser and mount option string. Expected bytes are the source
 * buffer itself.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { BlockDevice, Run } from '../src/device/block-device.js';
import { available } from '../src/device/block-device.js';
import { VmfskitError } from '../src/errors.js';
import { ReadWindow, type ReaderState } from '../src/fuse/read-window.js';
import { parseMountinfo } from '../src/fuse/mountinfo.js';
import { fuseOptionString } from '../src/fuse/binding.js';

/** A memory device whose reads complete after a random short delay, and count their sizes. */
class SlowMemory implements BlockDevice {
  readonly name = 'mem';
  readonly size: number;
  readonly reads: number[] = [];
  failAt = -1;
  constructor(private readonly data: Buffer) {
    this.size = data.length;
  }
  async read(buf: Uint8Array, offset: number): Promise<number> {
    this.reads.push(buf.length);
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    if (this.failAt >= offset && this.failAt < offset + buf.length) throw new VmfskitError('IO', 'read failed', { file: this.name, offset });
    const n = available(this, offset, buf.length);
    buf.set(this.data.subarray(offset, offset + n));
    return n;
  }
  async map(offset: number, length: number): Promise<Run[]> {
    return [{ offset, length: available(this, offset, length), kind: 'data' }];
  }
  async close(): Promise<void> {}
}

async function serve(w: ReadWindow, len: number, pos: number, st: ReaderState): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const n = w.readCached(buf, len, pos, st);
  return buf.subarray(0, n >= 0 ? n : await w.read(buf, len, pos, st));
}

describe('ReadWindow', () => {
  const data = randomBytes((5 << 20) + 12345);

  it('serves a sequential reader in 128 KiB requests, out of order within the readahead, with few large device reads', async () => {
    const dev = new SlowMemory(data);
    const w = new ReadWindow(dev, { chunkSize: 1 << 20, ahead: 3 });
    const st = { next: 0 };
    const REQ = 128 << 10;
    const offsets: number[] = [];
    for (let o = 0; o < data.length; o += REQ) offsets.push(o);
    // The kernel's readahead keeps several requests in flight and they complete in any order.
    for (let i = 0; i < offsets.length; i += 4) {
      const batch = offsets.slice(i, i + 4).reverse();
      const got = await Promise.all(batch.map((o) => serve(w, REQ, o, st)));
      batch.forEach((o, k) => expect(got[k]!.equals(data.subarray(o, o + REQ))).toBe(true));
    }
    expect(Math.max(...dev.reads)).toBe(1 << 20);
    expect(dev.reads.length).toBeLessThanOrEqual(Math.ceil(data.length / (1 << 20)) + 1);
  });

  it('random small reads go to the device directly and return exact bytes, also past the end', async () => {
    const dev = new SlowMemory(data);
    const w = new ReadWindow(dev);
    const st = { next: 0 };
    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      const pos = Math.floor(Math.random() * (data.length + 5000));
      const len = 1 + Math.floor(Math.random() * 70000);
      jobs.push(serve(w, len, pos, st).then((b) => expect(b.equals(data.subarray(pos, pos + len))).toBe(true)));
    }
    await Promise.all(jobs);
    expect(await serve(w, 4096, data.length, st)).toHaveLength(0);
  });

  it('several handles reading different regions at once all get their own bytes (chunks are recycled safely)', async () => {
    const dev = new SlowMemory(data);
    const w = new ReadWindow(dev, { chunkSize: 256 << 10, ahead: 2, keep: 4 });
    const readers = [0, 1 << 20, 2 << 20, 3 << 20, 4 << 20].map((start) => ({ start, st: { next: start } }));
    await Promise.all(
      readers.map(async ({ start, st }) => {
        for (let o = start; o < Math.min(data.length, start + (1 << 20)); o += 65536) {
          const b = await serve(w, 65536, o, st);
          expect(b.equals(data.subarray(o, o + 65536))).toBe(true);
        }
      }),
    );
  });

  it('a device error rejects that read only; later reads elsewhere still work', async () => {
    const dev = new SlowMemory(data);
    dev.failAt = 3 << 20;
    const w = new ReadWindow(dev);
    const st = { next: 3 << 20 };
    await expect(w.read(Buffer.alloc(4096), 4096, 3 << 20, st)).rejects.toMatchObject({ code: 'IO' });
    const ok = await serve(w, 4096, 0, { next: 0 });
    expect(ok.equals(data.subarray(0, 4096))).toBe(true);
  });

  it('writes nothing into a detached (0-length) buffer', async () => {
    const w = new ReadWindow(new SlowMemory(data));
    expect(w.readCached(Buffer.alloc(0), 4096, 0, { next: 0 })).toBe(0);
    expect(await w.read(Buffer.alloc(0), 4096, 0, { next: 0 })).toBe(0);
  });
});

describe('mount table and options', () => {
  it('parses /proc/self/mountinfo lines, with escaped spaces, and finds our type', () => {
    const text =
      '36 25 0:32 / /tmp/a\\040b ro,nosuid,nodev,noatime - fuse.vmfskit /ev/lun\\040x.img ro,user_id=0,group_id=0,default_permissions\n' +
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n';
    expect(parseMountinfo(text)).toEqual([
      { device: '0:32', mountpoint: '/tmp/a b', options: 'ro,nosuid,nodev,noatime', fstype: 'fuse.vmfskit', source: '/ev/lun x.img' },
      { device: '8:1', mountpoint: '/', options: 'rw,relatime', fstype: 'ext4', source: '/dev/vda' },
    ]);
  });

  it('always mounts ro,noatime,default_permissions,auto_unmount; commas in the evidence path cannot inject options', () => {
    expect(fuseOptionString({ fsname: '/ev/a,allow_other.img' })).toBe(
      '-oro,noatime,default_permissions,auto_unmount,fsname=/ev/a_allow_other.img,subtype=vmfskit,kernel_cache,attr_timeout=3600,entry_timeout=3600',
    );
    expect(fuseOptionString({ fsname: '/x', allowOther: true }).split(',')).toContain('allow_other');
  });
});
