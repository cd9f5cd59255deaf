/**
 * Raw device mappings (vmdk-format §8, vmfs-format §8.3): a VMFSRDM extent
 * names a mapping file whose VMFS metadata holds the mapped LUN's SCSI id;
 * a VMFSRAW extent names a device path. Neither holds the disk's bytes, so
 * this extent describes the mapping (for `info`/`map`) and refuses to read,
 * saying where the data is.
 */
import type { Resolver } from '../device/resolver.js';
import { VmfskitError, type ErrorWhere } from '../errors.js';
import type { LayerExtent, LayerRun } from './layer-extent.js';

export interface RdmLine {
  type: string;
  sectors: number;
  filename?: string;
}

/** The mapped LUN as the VMFS reader reports it (src/vmfs stat details of a type-6 file). */
interface LunFacts {
  lun?: number;
  vendor?: string;
  model?: string;
  id?: string;
}

function lunText(l: LunFacts): string {
  const parts = [l.lun !== undefined ? `LUN ${l.lun}` : '', [l.vendor, l.model].filter(Boolean).join(' '), l.id ? `id ${l.id}` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'the mapped LUN';
}

class RdmExtent implements LayerExtent {
  readonly format: string;
  readonly file: string;

  constructor(
    readonly size: number,
    private readonly line: RdmLine,
    private readonly facts: Record<string, unknown>,
    /** Where the data is, in words: "LUN 3, VMware Virtual disk, id naa...." or the device path. */
    private readonly target: string,
    private readonly where: ErrorWhere,
    display: string,
  ) {
    this.format = line.type === 'VMFSRAW' ? 'raw-device' : 'rdm';
    this.file = display;
  }

  async map(offset: number, length: number): Promise<LayerRun[]> {
    const end = Math.min(this.size, offset + length);
    return end > offset ? [{ offset, length: end - offset, state: 'data' }] : [];
  }

  async read(): Promise<void> {
    const local = this.facts['mapping-file-type'] === 'file' && this.facts['mapping-file-size'] === this.size
      ? '; the mapping file here has the disk\'s full size: if it is a copy of the LUN, read it directly as a raw image'
      : '';
    throw new VmfskitError(
      'UNSUPPORTED',
      `raw device mapping: the disk's ${this.size} bytes are on ${this.target}, not in these files; image that LUN separately${local}`,
      this.where,
    );
  }

  async allocatedBytes(): Promise<number> {
    return 0;
  }

  describe(): Record<string, unknown> {
    return { ...this.facts };
  }

  async close(): Promise<void> {}
}

/** Describe the mapping an RDM/raw extent line names; reads fail with where the data is. */
export async function openRdmExtent(line: RdmLine, resolver: Resolver, where: ErrorWhere): Promise<LayerExtent> {
  const size = line.sectors * 512;
  const facts: Record<string, unknown> = { format: line.type === 'VMFSRAW' ? 'raw-device' : 'rdm', 'mapped-size': size };
  let lun: LunFacts | null = null;
  let display = line.filename ?? '';
  if (line.type === 'VMFSRAW') {
    facts.device = line.filename;
  } else if (line.filename) {
    display = resolver.display(line.filename);
    facts['mapping-file'] = display;
    const f = await resolver.fileFacts?.(line.filename).catch(() => null);
    if (!f) {
      facts['mapping-file-present'] = false;
    } else {
      facts['mapping-file-type'] = f.type;
      facts['mapping-file-size'] = f.size;
      const d = f.details ?? {};
      if (f.type === 'rdm') {
        lun = { lun: d.rdmLun as number | undefined, vendor: d.rdmVendor as string | undefined, model: d.rdmModel as string | undefined, id: d.rdmId as string | undefined };
        facts.lun = lun;
        if (typeof f.size === 'number' && f.size !== size) facts.warnings = [`mapping file length ${f.size} differs from the extent's ${size} bytes`];
      }
    }
  }
  const target = line.type === 'VMFSRAW' ? `the device ${line.filename}` : lun ? lunText(lun) : `the LUN named by ${display}${facts['mapping-file-present'] === false ? ' (mapping file absent)' : ''}`;
  facts.note = `raw device mapping: ${size} bytes on ${target}; the data is not in these files`;
  return new RdmExtent(size, line, facts, target, where, display);
}
