/**
 * `vmfskit descriptor FILE`: the descriptor VMware would need for an
 * orphaned -flat, -delta (COWD) or -sesparse file whose own descriptor is
 * gone (issue 13 part 4). The size comes from the file (a flat: its length
 * in sectors) or its header (a delta's capacity); the parent, when named,
 * gives parentCID and the hint. Written to stdout, or to a new file that
 * is never an existing one.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { openAddress, parseAddress, type OpenOptions } from '../open.js';
import { readExact } from '../device/read-helpers.js';
import { VmfskitError } from '../errors.js';
import { writeOut } from '../cli/output.js';
import { COWD_MAGIC } from '../vmdk/cowd.js';
import { SESPARSE_MAGIC } from '../vmdk/sesparse.js';
import { looksLikeDescriptor } from '../vmdk/descriptor.js';
import { KDMV } from '../vmdk/sparse-header.js';
import { descriptorFor, hex8, type WrittenCreateType } from '../vmdk/descriptor-writer.js';

export interface DescriptorRequest {
  file: string;
  parent?: string;
  output?: string;
  /** A hosted (Workstation) flat: monolithicFlat with a FLAT line instead of ESXi's vmfs. */
  hosted?: boolean;
  cid?: string;
  open: OpenOptions;
}

const SECTOR = 512;
/** CIDs VMware never picks at random (open-vmdk): "no parent" and "new ESXi disk". */
const RESERVED = new Set([0xffffffff, 0xfffffffe]);

interface Orphan {
  createType: WrittenCreateType;
  sectors: number;
  what: string;
}

/** What the file is, from its first sector (vmdk-format §5, §6.1) or its size. */
async function inspect(file: string, open: OpenOptions, hosted: boolean): Promise<Orphan> {
  const opened = await openAddress(file, { ...open, container: true, parentAddresses: undefined });
  try {
    const dev = opened.device;
    const head = await readExact(dev, 0, Math.min(dev.size, SECTOR), 'first sector');
    const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
    if (magic === COWD_MAGIC) return { createType: 'vmfsSparse', sectors: head.readUInt32LE(12), what: 'COWD delta (capacity from its header, numSectors at byte 12)' };
    if (magic === SESPARSE_MAGIC && head.length >= 24 && head.readUInt32LE(4) === 0) {
      return { createType: 'seSparse', sectors: Number(head.readBigUInt64LE(16)), what: 'SESparse delta (capacity from its header, byte 16)' };
    }
    if (magic === KDMV) throw new VmfskitError('USAGE', 'is a hosted sparse disk: it carries its descriptor inside (vmfskit info shows it); name its parent with --parent to read it', { file });
    if (dev.size <= 1 << 20 && looksLikeDescriptor(head)) throw new VmfskitError('USAGE', 'is a descriptor already', { file });
    if (dev.size % SECTOR !== 0) {
      throw new VmfskitError('CORRUPT', `a flat extent must be whole 512-byte sectors, but the file is ${dev.size} bytes (${dev.size % SECTOR} past sector ${Math.floor(dev.size / SECTOR)}): truncated or not a flat disk`, { file, structure: 'file size', offset: dev.size });
    }
    if (dev.size === 0) throw new VmfskitError('CORRUPT', 'is empty: no disk to describe', { file, structure: 'file size', offset: 0 });
    return { createType: hosted ? 'monolithicFlat' : 'vmfs', sectors: dev.size / SECTOR, what: `flat disk (${dev.size} bytes = ${dev.size / SECTOR} sectors)` };
  } finally {
    await opened.close();
  }
}

/** The parent's CID and size, from its descriptor. */
async function parentFacts(addr: string, open: OpenOptions): Promise<{ cid: number; size: number }> {
  const opened = await openAddress(addr, { ...open, parentAddresses: undefined });
  try {
    const top = opened.vmdk?.layers[0];
    if (!opened.vmdk || !top || top.cid === 0xffffffff) {
      throw new VmfskitError('USAGE', `has no descriptor, so no CID to put in parentCID: write its descriptor first (vmfskit descriptor ${addr} -o …) and name that`, { file: addr });
    }
    return { cid: top.cid, size: opened.vmdk.size };
  } finally {
    await opened.close();
  }
}

/** parentFileNameHint: the parent's path relative to the folder of the orphan (where the descriptor belongs). */
function hintFor(file: string, parent: string): string {
  const a = parseAddress(file);
  const p = parseAddress(parent);
  if (a.inner === undefined && p.inner === undefined) return path.relative(path.dirname(path.resolve(a.host)), path.resolve(p.host)).split(path.sep).join('/');
  if (a.inner !== undefined && p.inner !== undefined && path.resolve(a.host) === path.resolve(p.host)) return path.posix.relative(path.posix.dirname(a.inner), p.inner);
  return path.posix.basename(p.inner ?? p.host);
}

function chooseCid(text: string | undefined): { cid: number; chosen: boolean } {
  if (text !== undefined) {
    if (!/^[0-9a-f]{8}$/i.test(text)) throw new VmfskitError('USAGE', `--cid must be 8 hex digits (got '${text}')`);
    return { cid: parseInt(text, 16) >>> 0, chosen: false };
  }
  for (;;) {
    const cid = randomBytes(4).readUInt32BE(0);
    if (!RESERVED.has(cid)) return { cid, chosen: true };
  }
}

/** A new file only: written as NAME.partial, then linked to NAME — link(2) fails if NAME exists, so nothing is ever replaced. */
async function writeNew(out: string, text: string): Promise<void> {
  const exists = () => new VmfskitError('EXISTS', 'already exists: a descriptor is never written over a file', { file: out });
  const partial = `${out}.partial`;
  let made = false;
  try {
    await fsp.writeFile(partial, text, { flag: 'wx', mode: 0o644 });
    made = true;
    await fsp.link(partial, out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw made ? exists() : new VmfskitError('EXISTS', 'already exists (a run left it, or one is under way): remove it first', { file: partial });
    throw new VmfskitError('IO', `cannot write the descriptor: ${(e as Error).message}`, { file: out });
  } finally {
    if (made) await fsp.rm(partial, { force: true });
  }
}

export async function runDescriptor(req: DescriptorRequest): Promise<number> {
  const orphan = await inspect(req.file, req.open, req.hosted ?? false);
  if (req.hosted && orphan.createType !== 'monolithicFlat') throw new VmfskitError('USAGE', `--hosted is for flat files; ${req.file} is a ${orphan.what}`);
  let parent: { cid: number; hint: string } | undefined;
  if (req.parent !== undefined) {
    if (orphan.createType === 'vmfs' || orphan.createType === 'monolithicFlat') throw new VmfskitError('USAGE', `--parent is for deltas; ${req.file} is a ${orphan.what}, a base disk`);
    const p = await parentFacts(req.parent, req.open);
    if (p.size !== orphan.sectors * SECTOR) {
      throw new VmfskitError('CHAIN', `capacity ${orphan.sectors * SECTOR} bytes differs from the parent ${req.parent} (${p.size} bytes): not its parent`, { file: req.file, structure: 'header capacity', offset: orphan.createType === 'vmfsSparse' ? 12 : 16 });
    }
    parent = { cid: p.cid, hint: hintFor(req.file, req.parent) };
  }
  const { cid, chosen } = chooseCid(req.cid);
  const name = path.posix.basename(parseAddress(req.file).inner ?? req.file.split(path.sep).join('/'));
  const text = descriptorFor(
    {
      createType: orphan.createType,
      sectors: orphan.sectors,
      extentFile: name,
      cid,
      parent,
      comments: [`written by vmfskit descriptor for the orphaned ${orphan.what}; content id ${chosen ? 'chosen at random' : 'given on the command line'}`],
    },
    randomBytes(12).toString('hex'),
  );
  const deltaNote = orphan.createType === 'vmfsSparse' || orphan.createType === 'seSparse' ? (parent ? `, parentCID ${hex8(parent.cid)} (the parent's CID), parentFileNameHint "${parent.hint}"` : '; no --parent: parentCID ffffffff, so this descriptor opens the delta over zeros, not a real disk state') : '';
  process.stderr.write(`vmfskit: note: ${req.file}: ${orphan.what}; createType ${orphan.createType}, CID ${hex8(cid)} ${chosen ? 'chosen at random (--cid sets it)' : 'from --cid'}${deltaNote}\n`);
  if (req.output !== undefined && (await fsp.stat(req.output).then(() => true, () => false))) throw new VmfskitError('EXISTS', 'already exists: a descriptor is never written over a file', { file: req.output });
  if (req.output === undefined) await writeOut(text);
  else await writeNew(req.output, text);
  return 0;
}
