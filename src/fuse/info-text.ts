/**
 * `/.vmfskit-info.txt`: what the mount is made of, in the spirit of xmount's
 * `.info` — the source, the volume, and for each raw view its chain (files,
 * CIDs, create types) and snapshot — so an examiner can cite it.
 */
import type { BlockDevice, Run } from '../device/block-device.js';
import { available } from '../device/block-device.js';
import { singleRun } from '../device/runs.js';
import { VERSION } from '../version.js';
import type { DiskView, PartitionView } from './disk-views.js';
import { S_IFREG, syntheticAttr, type FileNode } from './tree.js';

export interface InfoFacts {
  source: string;
  mountedAt: Date;
  /** "VMFS volume", "VMDK", "raw bytes" ... */
  kind: string;
  volume?: Record<string, unknown>;
  views: DiskView[];
  /** The partition views next to the disk views. */
  partitions?: PartitionView[];
  /** Paths of plain files shown (non-VMDK sources). */
  files?: Array<{ path: string; size: number }>;
  notes: string[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function infoText(f: InfoFacts): string {
  const lines = [
    `vmfskit ${VERSION} read-only mount`,
    `source:      ${f.source}`,
    `source type: ${f.kind}`,
    `mounted at:  ${f.mountedAt.toISOString()}`,
  ];
  if (f.volume) {
    lines.push('', 'volume:');
    for (const [k, v] of Object.entries(f.volume)) if (typeof v !== 'object' || v === null) lines.push(`  ${k}: ${String(v)}`);
  }
  for (const file of f.files ?? []) lines.push('', `${file.path}: ${file.size} bytes`);
  for (const v of f.views) {
    lines.push('', `${v.path}: ${v.disk.size} bytes`);
    if (v.state) {
      lines.push(`  vm: ${v.state.vm} (${v.state.vmDir})`, `  state: ${v.state.state}`);
      if (v.state.snapshot?.created) lines.push(`  snapshot created: ${v.state.snapshot.created}`);
      if (v.state.snapshot?.description) lines.push(`  snapshot description: ${v.state.snapshot.description}`);
    }
    v.disk.layers.forEach((l, i) => {
      lines.push(`  layer ${i}: ${l.filename} (${l.createType}) CID ${hex(l.cid)} parentCID ${hex(l.parentCid)}`);
      for (const w of l.warnings) lines.push(`    warning: ${w}`);
    });
  }
  for (const p of f.partitions ?? []) {
    lines.push('', `${p.path}: ${p.size} bytes, partition ${p.number} of ${p.of} at byte ${p.start}${p.patches ? ' — REPAIRED view' : ''}`);
    for (const x of p.patches ?? []) lines.push(`  repaired: bytes ${x.offset}+${x.length}: ${x.why} (the evidence is not changed)`);
  }
  if (f.notes.length) lines.push('', 'notes:', ...f.notes.map((n) => `  ${n}`));
  return lines.join('\n') + '\n';
}

/** Bytes held in memory, as a device. */
export class BufferDevice implements BlockDevice {
  readonly size: number;
  constructor(
    private readonly data: Buffer,
    readonly name: string,
  ) {
    this.size = data.length;
  }

  async read(buf: Uint8Array, offset: number): Promise<number> {
    const n = available(this, offset, buf.length);
    buf.set(this.data.subarray(offset, offset + n));
    return n;
  }

  async map(offset: number, length: number): Promise<Run[]> {
    return singleRun(offset, available(this, offset, length), 'data');
  }

  async close(): Promise<void> {}
}

export function textNode(text: string, name: string, timeMs: number): FileNode {
  const dev = new BufferDevice(Buffer.from(text, 'utf8'), name);
  return { kind: 'file', attr: syntheticAttr(S_IFREG, dev.size, timeMs), shared: true, open: async () => dev };
}
