/**
 * The deltas corpus inside a VMFS-5 datastore: the VM (COWD) and SE
 * (SESparse, over a thin base whose zero blocks are holes) chains of
 * delta-chains.ts placed in a volume made by the vmfs5 builder, with ESXi's absolute parent hints (`/vmfs/volumes/<uuid>/VM/VM.vmdk`),
 * plus two raw device mappings (physical and virtual mode) whose mapping
 * files are VMFS type-6 files naming a LUN.
 *
 * qemu-img cannot follow those hints (vmdk-format §7): the oracle extracts
 * each layer with vmfs-tools' debugvmfs and gives qemu-img the chain as a
 * json: filename with explicit `backing` nodes.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { buildVmfs5, datastorePath, type VolumeSpec, type TreeNode } from './vmfs5/index.js';
import { DATASTORE_CHAINS, descriptorText } from './delta-chains.js';

export const RDM_LUN_ID = 'naa.600508b1001c4d1e2f3a4b5c6d7e8f90';
export const RDM_BYTES = 10 * 2 ** 30;

export const DELTA_VOLUME: Omit<VolumeSpec, 'root'> = { label: 'deltas-ds', createTime: 1709633000, uuidSeed: 41 };

/** Whether the base descriptor says the disk is thin (ddb.thinProvisioned = "1"). */
function thinBase(descriptor: string): boolean {
  try {
    return /^ddb\.thinProvisioned = "1"$/m.test(readFileSync(descriptor, 'utf8'));
  } catch {
    return false;
  }
}

/** The chain folders of `chainsDir` as VMFS tree nodes; child descriptors get absolute ESXi parent hints. Also used by the VMFS-6 corpus (only its SESparse chain). */
export function chainNodes(chainsDir: string, ds: string, only: readonly string[] = DATASTORE_CHAINS): TreeNode[] {
  const out: TreeNode[] = [];
  for (const vm of readdirSync(chainsDir).filter((d) => only.includes(d)).sort()) {
    const children: TreeNode[] = [];
    for (const f of readdirSync(path.join(chainsDir, vm)).sort()) {
      const abs = path.join(chainsDir, vm, f);
      let text = /^[^-]+(-\d{6})?\.vmdk$/.test(f) ? readFileSync(abs, 'utf8') : null;
      if (text !== null) {
        text = text.replace(/^parentFileNameHint="([^"]+)"$/m, (_, hint: string) => `parentFileNameHint="${ds}/${vm}/${hint}"`);
        children.push({ type: 'file', name: f, content: { kind: 'text', text } });
      } else if (f.endsWith('-flat.vmdk') && thinBase(path.join(chainsDir, vm, `${vm}.vmdk`))) {
        // A thin disk on VMFS: only the 1 MiB blocks that hold data are allocated, the rest are
        // holes that read as zeros (as ESXi leaves a thin disk the guest never wrote there).
        children.push({ type: 'file', name: f, content: { kind: 'file', path: abs }, provisioning: 'sparse' });
      } else {
        children.push({ type: 'file', name: f, content: { kind: 'file', path: abs } });
      }
    }
    out.push({ type: 'dir', name: vm, children });
  }
  return out;
}

function rdmFolder(): TreeNode {
  const sectors = RDM_BYTES / 512;
  const desc = (createType: string, file: string) => descriptorText({ cid: 0x7d000001, createType, extent: `RW ${sectors} VMFSRDM "${file}"` });
  return {
    type: 'dir',
    name: 'RDM',
    children: [
      { type: 'file', name: 'RDM.vmdk', content: { kind: 'text', text: desc('vmfsPassthroughRawDeviceMap', 'RDM-rdmp.vmdk') } },
      { type: 'rdm', name: 'RDM-rdmp.vmdk', size: RDM_BYTES, lunId: RDM_LUN_ID },
      { type: 'file', name: 'RDM_1.vmdk', content: { kind: 'text', text: desc('vmfsRawDeviceMap', 'RDM_1-rdm.vmdk') } },
      { type: 'rdm', name: 'RDM_1-rdm.vmdk', size: RDM_BYTES, lunId: RDM_LUN_ID },
    ],
  };
}

export interface DeltaVolume {
  image: string;
  sha256: string;
  size: number;
  /** Byte offset of the VMFS partition (GPT). */
  partitionOffset: number;
  /** `/vmfs/volumes/<uuid>` of the volume. */
  datastore: string;
}

/** Build the datastore image at `image` from the chain folders in `chainsDir` (built by buildDeltaCorpus). */
export async function buildDeltaVolume(chainsDir: string, image: string): Promise<DeltaVolume> {
  const base = { ...DELTA_VOLUME, root: [] as TreeNode[] };
  const ds = datastorePath(base);
  const spec: VolumeSpec = { ...DELTA_VOLUME, partitionTable: 'gpt', root: [...chainNodes(chainsDir, ds), rdmFolder()] };
  const built = await buildVmfs5(spec, image);
  const img = built.images[0]!;
  return { image, sha256: img.sha256, size: img.size, partitionOffset: img.partitionOffset, datastore: ds };
}

/** The VMFS partition alone, as a sparse file (vmfs-tools reads bare partitions only). */
export function extractPartition(v: DeltaVolume, out: string): void {
  const src = openSync(v.image, 'r');
  const dst = openSync(out, 'w');
  try {
    const buf = Buffer.alloc(1 << 20);
    const zero = Buffer.alloc(buf.length);
    let pos = 0;
    for (;;) {
      const n = readSync(src, buf, 0, buf.length, v.partitionOffset + pos);
      if (n <= 0) break;
      if (!buf.subarray(0, n).equals(zero.subarray(0, n))) writeSync(dst, buf, 0, n, pos);
      pos += n;
    }
    ftruncateSync(dst, pos);
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

/**
 * qemu-img's raw sha256 of the chain whose top is `/dir/top` in the volume: the layers are
 * copied out with debugvmfs (the VMFS partition given as a separate bare image) and chained
 * with an explicit json: backing, since qemu cannot map the absolute hints.
 */
export function qemuViewInVolume(partition: string, dir: string, /** base first */ chain: string[], work: string, sha: (f: string) => string): string {
  mkdirSync(work, { recursive: true });
  for (const desc of chain) {
    const text = execFileSync('debugvmfs', [partition, 'cat', `/${dir}/${desc}`]);
    writeFileSync(path.join(work, desc), text);
    const extent = /^RW \d+ \w+ "([^"]+)"/m.exec(text.toString('utf8'))![1]!;
    writeFileSync(path.join(work, extent), execFileSync('debugvmfs', [partition, 'cat', `/${dir}/${extent}`], { maxBuffer: 1 << 30 }));
  }
  let node: Record<string, unknown> | undefined;
  for (const desc of chain) {
    const n: Record<string, unknown> = { driver: 'vmdk', file: { driver: 'file', filename: path.join(work, desc) } };
    if (node) n.backing = node;
    node = n;
  }
  const raw = path.join(work, 'state.raw');
  execFileSync('qemu-img', ['convert', '-O', 'raw', `json:${JSON.stringify(node)}`, raw], { stdio: ['ignore', 'ignore', 'inherit'] });
  return sha(raw);
}
