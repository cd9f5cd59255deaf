/**
 * A scan of unallocated space for what a deleted VM leaves behind: VMDK
 * sparse (KDMV), COWD and SESparse headers, descriptor and .vmx text, and the
 * first sectors of a guest disk (MBR, GPT header, NTFS boot sector). Headers
 * are looked for at every 512-byte sector start (where VMware and guests put
 * them); text anywhere. All-zero windows are skipped at memcmp speed.
 * Signatures: vmdk-format.md §3 (KDMV, version 1–3), §5 (COWD version 1),
 * §6 (SESparse constant header magic 0xcafebabe, version 0x200000001);
 * the MBR's 0x55AA with plausible partition entries; GPT "EFI PART"; NTFS
 * "NTFS    " at byte 3.
 */
import type { BlockDevice } from '../device/block-device.js';
import { COWD_MAGIC } from '../vmdk/cowd.js';
import { SESPARSE_MAGIC } from '../vmdk/sesparse.js';
import { KDMV } from '../vmdk/sparse-header.js';

export type ArtefactKind = 'vmdk-sparse-header' | 'cowd-header' | 'sesparse-header' | 'vmdk-descriptor' | 'vmx-text' | 'mbr' | 'gpt-header' | 'ntfs-boot-sector';

export interface Artefact {
  kind: ArtefactKind;
  /** Byte offset in the scanned device (for the free-space view: its offset in the view). */
  offset: number;
  /** A few decoded fields, or the first line of the text. */
  detail: string;
}

const SECTOR = 512;
const CHUNK = 4 << 20;
const ZERO = Buffer.alloc(CHUNK);
const TEXTS: Array<[string, ArtefactKind]> = [
  ['# Disk DescriptorFile', 'vmdk-descriptor'],
  ['config.version = ', 'vmx-text'],
];
const TAIL = 64;

function textDetail(buf: Buffer, at: number): string {
  const end = Math.min(buf.length, at + 400);
  // eslint-disable-next-line no-control-regex
  return buf.toString('latin1', at, end).split(/\r?\n/).slice(0, 4).join(' | ').replace(/[\x00-\x1f]/g, '.').slice(0, 160);
}

function sectorArtefact(b: Buffer, s: number): Array<Omit<Artefact, 'offset'> & { at: number }> {
  const out: Array<Omit<Artefact, 'offset'> & { at: number }> = [];
  const magic = b.readUInt32LE(s);
  if (magic === KDMV) {
    const version = b.readUInt32LE(s + 4);
    if (version >= 1 && version <= 3) out.push({ at: s, kind: 'vmdk-sparse-header', detail: `KDMV version ${version}, capacity ${b.readBigUInt64LE(s + 12)} sectors, grain ${b.readBigUInt64LE(s + 20)} sectors` });
  } else if (magic === COWD_MAGIC) {
    if (b.readUInt32LE(s + 4) === 1) out.push({ at: s, kind: 'cowd-header', detail: `COWD version 1, capacity ${b.readUInt32LE(s + 12)} sectors` });
  } else if (magic === SESPARSE_MAGIC && b.readUInt32LE(s + 4) === 0) {
    if (b.readBigUInt64LE(s + 8) === 0x200000001n) out.push({ at: s, kind: 'sesparse-header', detail: `SESparse constant header, capacity ${b.readBigUInt64LE(s + 16)} sectors` });
  } else if (b.toString('latin1', s, s + 8) === 'EFI PART') {
    out.push({ at: s, kind: 'gpt-header', detail: `GPT header revision 0x${b.readUInt32LE(s + 8).toString(16)}` });
  }
  if (b.readUInt16LE(s + 510) === 0xaa55) {
    if (b.toString('latin1', s + 3, s + 11) === 'NTFS    ') out.push({ at: s, kind: 'ntfs-boot-sector', detail: `NTFS boot sector, ${b.readUInt16LE(s + 11)} bytes per sector` });
    else {
      let used = 0;
      let sane = true;
      for (let e = 0; e < 4; e++) {
        const p = s + 446 + 16 * e;
        const status = b[p]!;
        if (status !== 0 && status !== 0x80) sane = false;
        if (b[p + 4] !== 0) used++;
      }
      if (sane && used > 0) out.push({ at: s, kind: 'mbr', detail: `MBR, partition types ${[0, 1, 2, 3].map((e) => b[s + 446 + 16 * e + 4]!).filter((t) => t).map((t) => '0x' + t.toString(16)).join(' ')}` });
    }
  }
  return out;
}

/** Every artefact in `dev`, in offset order. `progress` gets bytes done. */
export async function scanArtefacts(dev: BlockDevice, progress?: (done: number) => void): Promise<Artefact[]> {
  const out: Artefact[] = [];
  const win = Buffer.alloc(TAIL + CHUNK);
  let tail = 0;
  for (let off = 0; off < dev.size; off += CHUNK) {
    const chunk = win.subarray(TAIL, TAIL + Math.min(CHUNK, dev.size - off));
    const n = await dev.read(chunk, off);
    progress?.(off + n);
    if (n === 0) break;
    const data = chunk.subarray(0, n);
    if (data.equals(ZERO.subarray(0, n))) {
      tail = 0;
      continue;
    }
    for (let s = 0; s + SECTOR <= n; s += SECTOR) {
      if (data.readUInt32LE(s) === 0 && data.readUInt16LE(s + 510) === 0) continue;
      for (const a of sectorArtefact(data, s)) out.push({ kind: a.kind, offset: off + a.at, detail: a.detail });
    }
    // Text may begin in the previous chunk: search from its last TAIL bytes, report what ends in this one.
    const from = TAIL - tail;
    const view = win.subarray(from, TAIL + n);
    for (const [sig, kind] of TEXTS) {
      for (let i = view.indexOf(sig, 0, 'latin1'); i >= 0; i = view.indexOf(sig, i + 1, 'latin1')) {
        const abs = off - tail + i;
        if (abs + sig.length <= off && tail > 0) continue;
        out.push({ kind, offset: abs, detail: textDetail(view, i) });
      }
    }
    tail = Math.min(TAIL, n);
    win.copy(win, TAIL - tail, TAIL + n - tail, TAIL + n);
  }
  return out.sort((a, b) => a.offset - b.offset || a.kind.localeCompare(b.kind));
}
