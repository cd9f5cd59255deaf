/**
 * Targets whose input is a VMFS volume on one or more LUN images (the real
 * ESXi images, volumes built by corpus/builders/vmfs5). The images are
 * never copied: a case is a list of patches (and maybe a truncation) over
 * one LUN, applied by a PatchedDevice as the reader reads. Damage goes
 * where the metadata is — the non-zero blocks found once per run — and
 * into the named fields of the LVM header, volume and PE tables, the FS
 * descriptor and the file descriptors.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { BlockDevice } from '../../src/device/block-device.js';
import { FileDevice } from '../../src/device/file-device.js';
import { openVmfs } from '../../src/vmfs/index.js';
import { FS_DESCRIPTOR } from '../../src/vmfs/descriptor.js';
import { FD_META } from '../../src/vmfs/fd.js';
import { DEVICE_HEADER, PE_ENTRY, VOLUME_ENTRY } from '../../src/vmfs/lvm.js';
import { exerciseVolume, PatchedDevice } from './exercise.js';
import { fieldsOf, int, mutateBinary, type Field, type Mutation, type Region, type Rng } from './mutate.js';
import type { Fixture } from './target.js';

export interface VolumeSeed {
  label: string;
  /** LUN images, the first one the volume is opened from (the others are --extent). */
  luns: string[];
}

export interface Focus {
  /** Keep only the parts of the metadata regions inside these (by LUN size). */
  regions?(lunSize: number): Region[];
  /** Keep only these of the fields found. */
  fields?(f: Field): boolean;
  /** Fields to add (structures found by position, not magic). */
  extraFields?(lunSize: number): Field[];
}

function clip(regions: Region[], within: Region[]): Region[] {
  const out: Region[] = [];
  for (const r of regions) {
    for (const w of within) {
      const start = Math.max(r.start, w.start);
      const end = Math.min(r.start + r.length, w.start + w.length);
      if (start < end) out.push({ start, length: end - start });
    }
  }
  return out;
}

interface LunMeta {
  size: number;
  regions: Region[];
  fields: Field[];
}

export interface SharedVolumes {
  seeds: Array<VolumeSeed & { meta: LunMeta[] }>;
}

export interface VolumeCase {
  seed: number;
  lun: number;
  mutation: Mutation;
}

const BLOCK = 4096;
/** Per data run of the image, only its first bytes are scanned: metadata sits at the start of resource files and FB runs. */
const SCAN_PER_RUN = 8 << 20;
const MAX_FDS = 300;

function u32(b: Buffer, o: number): number {
  return b.readUInt32LE(o);
}

/** Find the metadata of one LUN image: non-zero 4 KiB blocks (of its data runs) and the structures by their magic. */
async function lunMeta(file: string): Promise<LunMeta> {
  const dev = await FileDevice.open(file);
  const regions: Region[] = [];
  const fields: Field[] = [];
  let fds = 0;
  try {
    const buf = Buffer.alloc(1 << 20);
    for (const run of await dev.map(0, dev.size)) {
      if (run.kind !== 'data') continue;
      const end = run.offset + Math.min(run.length, SCAN_PER_RUN);
      for (let at = run.offset; at < end; at += buf.length) {
        const n = await dev.read(buf.subarray(0, Math.min(buf.length, end - at)), at);
        for (let b = 0; b + BLOCK <= n; b += BLOCK) {
          const blk = buf.subarray(b, b + BLOCK);
          if (!blk.some((x) => x !== 0)) continue;
          const start = at + b;
          const last = regions[regions.length - 1];
          if (last && last.start + last.length === start && last.length < 1 << 20) last.length += BLOCK;
          else regions.push({ start, length: BLOCK });
          for (let s = 0; s < BLOCK; s += 512) {
            const m = u32(blk, s);
            const off = start + s;
            if (m === 0xc001d00d) {
              fields.push(...fieldsOf(DEVICE_HEADER, off, 'LVM header'), ...fieldsOf(VOLUME_ENTRY, off + 0x200, 'LVM volume entry 0'));
              for (let k = 0; k < 3; k++) fields.push(...fieldsOf(PE_ENTRY, off + 0x80600 + k * 128, `LVM PE entry ${k}`));
            } else if (m === 0x2fabf15e || m === 0x2fabf15f) fields.push(...fieldsOf(FS_DESCRIPTOR, off, 'FS descriptor'));
            else if (m === 0x10c00001 && s % 2048 === 0 && fds < MAX_FDS) {
              fds++;
              fields.push(...fieldsOf(FD_META, off + 512, `FD@${off}`));
            }
          }
        }
      }
    }
    return { size: dev.size, regions, fields };
  } finally {
    await dev.close();
  }
}

export async function volumeShared(seeds: VolumeSeed[], focus: Focus = {}): Promise<SharedVolumes> {
  const out: SharedVolumes = { seeds: [] };
  for (const s of seeds) {
    const meta = await Promise.all(s.luns.map(lunMeta));
    for (const m of meta) {
      if (focus.regions) m.regions = clip(m.regions, focus.regions(m.size));
      if (focus.fields) m.fields = m.fields.filter(focus.fields);
      if (focus.extraFields) m.fields.push(...focus.extraFields(m.size));
    }
    out.seeds.push({ ...s, meta });
  }
  return out;
}

/** Read bytes of a LUN synchronously (mutations are made before the case runs). */
function reader(file: string): (at: number, n: number) => Buffer {
  const fd = openSync(file, 'r');
  process.once('exit', () => closeSync(fd));
  return (at, n) => {
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, at);
    return b;
  };
}

export async function volumeFixture(shared: SharedVolumes, exercise = exerciseVolume): Promise<Fixture<VolumeCase>> {
  const seeds = shared.seeds;
  const readers = seeds.map((s) => s.luns.map(reader));
  const devices: BlockDevice[][] = [];
  for (const s of seeds) devices.push(await Promise.all(s.luns.map((l) => FileDevice.open(l))));
  return {
    mutate(r: Rng): VolumeCase {
      const seed = int(r, seeds.length);
      const s = seeds[seed]!;
      const lun = int(r, s.luns.length);
      const meta = s.meta[lun]!;
      return { seed, lun, mutation: mutateBinary(r, { size: meta.size, regions: meta.regions, fields: meta.fields, bytes: readers[seed]![lun]! }) };
    },
    async exercise(c) {
      const s = seeds[c.seed]!;
      const luns = devices[c.seed]!.map((d, i) => (i === c.lun ? new PatchedDevice(d, c.mutation, 'fuzzed.img') : new PatchedDevice(d, { patches: [], ops: [] }, `lun${i}.img`)));
      const vol = await openVmfs(luns[0]!, 'fuzzed.img::', { extents: luns.slice(1) });
      try {
        await exercise(vol);
      } finally {
        await vol.close();
      }
    },
    describe: (c) => `seed ${seeds[c.seed]!.label}, LUN ${c.lun}: ${c.mutation.ops.join('; ')}`,
  };
}
