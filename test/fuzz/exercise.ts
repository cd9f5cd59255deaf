/**
 * The code paths a case runs, shared by the targets: what `info`, `map`,
 * `cat`/`hash` (reads at the start, the end and scattered offsets) and, on a
 * volume, `ls -R`, `stat` and reads of every file do. Bounded, so that a
 * damaged length costs a few reads, not a terabyte.
 */
import type { BlockDevice, Run } from '../../src/device/block-device.js';
import { available } from '../../src/device/block-device.js';
import { isVmfskitError } from '../../src/errors.js';
import { openAddress, type OpenOptions } from '../../src/open.js';
import { openVmdk } from '../../src/vmdk/index.js';
import type { VmfsVolume, VmfsVolumeDetails } from '../../src/vmfs/index.js';
import { walkTree } from '../../src/walk/walk.js';
import type { Mutation } from './mutate.js';
import type { Outcome } from './target.js';

const READ = 64 << 10;
/** Small devices are read whole (every grain, every byte of a file). */
const READ_WHOLE = 4 << 20;

/** Maps cover at most this much at the start and at the end (a 257 GiB thin file maps in half a second). */
const MAP = 4 << 30;

/** map, then reads at the start, the end and five offsets spread over the device. */
export async function exerciseDevice(dev: BlockDevice): Promise<void> {
  await dev.map(0, Math.min(dev.size, MAP));
  if (dev.size > MAP) await dev.map(Math.max(MAP, dev.size - MAP), MAP);
  if (dev.size <= READ_WHOLE) {
    await dev.read(Buffer.alloc(dev.size), 0);
    return;
  }
  const buf = Buffer.alloc(READ);
  await dev.read(buf, 0);
  await dev.read(buf, dev.size - READ);
  for (let k = 1; k <= 5; k++) {
    // Golden-ratio spread, sector-misaligned: deterministic for a given size.
    const at = Math.floor((((k * 0.6180339887) % 1) * (dev.size - READ)) / 7) * 7;
    await dev.read(buf, at);
  }
}

/** Open a host path as a user's command does (a VMDK as its disk, anything else as bytes). */
export async function exerciseAddress(file: string, opts: OpenOptions = {}): Promise<Outcome> {
  const o = await openAddress(file, opts);
  try {
    if (o.vmdk) {
      JSON.stringify(o.vmdk.info());
      await o.vmdk.computeAllocation?.();
    }
    await exerciseDevice(o.device);
    return { container: o.kind === 'host' };
  } finally {
    await o.close();
  }
}

const MAX_ENTRIES = 2000;
const MAX_FILES = 200;

/** A file's own typed error does not end the walk (the rest of the tree is still exercised); it is thrown at the end. */
async function each(errors: unknown[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isVmfskitError(e)) throw e;
    // The built volume's RDM disk is refused by design (its bytes are on another LUN): not damage.
    if (e.code === 'UNSUPPORTED' && e.message.includes('raw device mapping')) return;
    errors.push(e);
  }
}

/** `info`, `ls -R` with a stat of every entry, readlink, and reads of every file (bounded). */
export async function exerciseVolume(vol: VmfsVolume): Promise<void> {
  JSON.stringify(vol.info());
  const d = vol as Partial<VmfsVolumeDetails>;
  const errors: unknown[] = [];
  if (d.usage) await each(errors, async () => void (await d.usage!()));
  if (d.heartbeats) await each(errors, async () => void (await d.heartbeats!()));
  const root = await vol.stat('/');
  let entries = 0;
  let files = 0;
  for await (const { entries: list } of walkTree(vol, root, true)) {
    for (const e of list) {
      if (++entries > MAX_ENTRIES) break;
      await each(errors, async () => {
        // The block census of `stat` walks every pointer block: bounded to files below 16 GiB here.
        await (d.statDetailed && e.size < 2 ** 34 ? d.statDetailed(e.path) : vol.stat(e.path));
        if (e.type === 'symlink') await vol.readlink(e.path);
      });
      if ((e.type !== 'file' && e.type !== 'system') || files++ >= MAX_FILES) continue;
      await each(errors, async () => {
        const f = await vol.openFile(e.path);
        try {
          await exerciseDevice(f);
        } finally {
          await f.close();
        }
      });
      // A descriptor in the volume opens as its disk, through the volume's resolver (extents, parents).
      if (e.path.endsWith('.vmdk') && e.size < 64 << 10) {
        await each(errors, async () => {
          const dir = e.path.slice(0, e.path.lastIndexOf('/')) || '/';
          const disk = await openVmdk(vol.resolver(dir), e.path.slice(e.path.lastIndexOf('/') + 1));
          try {
            await exerciseDevice(disk);
          } finally {
            await disk.close();
          }
        });
      }
    }
  }
  if (errors.length) throw errors[0];
}

/** Reads through to `base` with a mutation's patches applied and its truncation (the base is never written). */
export class PatchedDevice implements BlockDevice {
  readonly size: number;
  constructor(
    private readonly base: BlockDevice,
    private readonly m: Mutation,
    readonly name: string,
  ) {
    this.size = m.size === undefined ? base.size : Math.min(base.size, m.size);
  }
  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    if (n <= 0) return 0;
    await this.base.read(n === buf.length ? buf : buf.subarray(0, n), offset);
    for (const p of this.m.patches) {
      const from = Math.max(p.at, offset);
      const to = Math.min(p.at + p.bytes.length, offset + n);
      if (from < to) buf.set(p.bytes.subarray(from - p.at, to - p.at), from - offset);
    }
    return n;
  }
  async map(offset: number, length: number): Promise<Run[]> {
    const n = available(this, offset, length);
    return n > 0 ? [{ offset, length: n, kind: 'data' }] : [];
  }
  async close(): Promise<void> {}
}
