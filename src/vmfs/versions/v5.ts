/** VMFS-3 and VMFS-5: 32-bit addresses, 2048-byte FDs, 4 KiB pointer blocks, flat directories. */
import { ADDR, TYPE_NAMES, clusterResource, fbBlock, fbTbz, hex } from '../address.js';
import type { FsDescriptor } from '../descriptor.js';
import { readFlatDirectory } from '../directory.js';
import type { VmfsFormat } from './format.js';

/** §5.1: system files in FDC cluster 0. */
const SYSTEM_FILES = { fbb: 1, fdc: 2, pbc: 3, sbc: 4, vh: 5, pb2: 6, sdd: 7 } as const;

export function vmfs5Format(d: FsDescriptor): VmfsFormat {
  const B = d.blockSize;
  // §5.2: `.fdc.sf` starts at the first multiple of the block size that is ≥ 4 MiB and ≥ one block.
  const fdcStart = B * Math.floor((B + (4 << 20) - 1) / B);
  const family = d.major <= 4 ? 3 : 5;
  return {
    family,
    displayVersion: `VMFS-${family}.${d.minor}`,
    // §8.1: lock block 0–511, metadata from 512, resident data and the 256 × u32 array share 1024–2047.
    fd: { size: 2048, meta: 512, data: 1024, residentMax: 1024, array: 0, arrayEntries: 256 },
    addressWords: 1,
    // §6.2: 512-byte lock block + 512-byte cluster metadata.
    clusterHeader: 1024,
    // §9.2: 4 KiB of u32.
    pbEntries: 1024,
    pbCacheEntries: 2048,
    hasPb2: d.major >= 5,
    maxFileUnit: B,
    heartbeatSlot: 512,
    heartbeatSlots: 2048,
    systemFiles: SYSTEM_FILES,
    describe: () => ({}),
    // §6.3: total and free counts of every cluster's metadata (debugvmfs df agrees).
    usage: (fbb) => fbb.usage(),
    // §5.2: volumes upgraded from VMFS-3 (dense bit clear) keep `.pb2.sf`'s FD where the descriptor says.
    systemFdOffset: (r) => (r === SYSTEM_FILES.pb2 && !d.dense && d.pb2FdOffset ? d.pb2FdOffset : fdcStart + d.fdcGroupOffset + d.fdcClustersPerGroup * 1024 + r * 2048),
    hex: (lo) => hex(lo),
    typeName: (t) => TYPE_NAMES[t] ?? String(t),
    isFileBlock: (t) => t === ADDR.FB,
    // §9.2: [3][5] pointer blocks live in `.pbc.sf` or `.pb2.sf`.
    isPointerBlock: (t) => t === ADDR.PB || t === ADDR.PB2,
    fileBlockBytes: () => B,
    // §9.4: an FB covers exactly one slot of a file counted in FS blocks.
    fileBlockFits: (_t, unit) => unit === B,
    fileBlockNumber: (lo) => fbBlock(lo),
    // §7.1: bit 5.
    tbz: (lo) => fbTbz(lo),
    // §7.4/§7.5: dense SB addresses carry two more resource bits.
    cluster: (lo) => clusterResource(lo, d.dense).cluster,
    resource: (lo) => clusterResource(lo, d.dense).resource,
    readDirectory: readFlatDirectory,
  };
}
