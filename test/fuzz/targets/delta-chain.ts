/** A small base disk and the descriptor of a delta over it, for the COWD and SESparse targets. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CAPACITY = 4 << 20;

function descriptor(cid: string, parentCid: string, createType: string, extent: string, parent?: string): Buffer {
  return Buffer.from(
    ['# Disk DescriptorFile', 'version=1', `CID=${cid}`, `parentCID=${parentCid}`, `createType="${createType}"`, ...(parent ? [`parentFileNameHint="${parent}"`] : []), '',
      '# Extent description', extent, '', '# The Disk Data Base', '#DDB', '', 'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "14"', ''].join('\n'),
  );
}

/** base.vmdk + base-flat.vmdk (a pattern) and d.vmdk naming `deltaName` of `type` over it. */
export function chainFiles(type: 'VMFSSPARSE' | 'SESPARSE', deltaName: string): Record<string, Buffer> {
  const flat = Buffer.alloc(CAPACITY);
  for (let i = 0; i < CAPACITY; i += 4) flat.writeUInt32LE((i * 2654435761) >>> 0, i);
  return {
    'base.vmdk': descriptor('1a2b3c4d', 'ffffffff', 'vmfs', `RW ${CAPACITY / 512} VMFS "base-flat.vmdk"`),
    'base-flat.vmdk': flat,
    'd.vmdk': descriptor('5e6f7a8b', '1a2b3c4d', type === 'SESPARSE' ? 'seSparse' : 'vmfsSparse', `RW ${CAPACITY / 512} ${type} "${deltaName}"`, 'base.vmdk'),
  };
}

/** Run a builder that writes a file, and hand back its bytes. */
export function built(write: (file: string) => void): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vmfskit-fuzz-seed-'));
  try {
    const f = path.join(dir, 'f');
    write(f);
    return readFileSync(f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Grain contents for the builders: index → `bytes` long pattern. */
export function grains(indices: number[], bytes: number): Map<number, Buffer> {
  return new Map(indices.map((g) => [g, Buffer.alloc(bytes, (g * 37 + 1) & 0xff)]));
}
