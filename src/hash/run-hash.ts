/**
 * `vmfskit hash`: open each address, hash it in one pass, print check-file
 * lines (or JSON), optionally write DFXML.
 */
import { openAddress, type OpenOptions, type Opened } from '../open.js';
import { Progress } from '../convert/progress.js';
import { watchSignals } from '../convert/interrupt.js';
import { writeOut, writeJson } from '../cli/output.js';
import { VERSION } from '../version.js';
import { hashDevice, type DeviceDigest } from './hash-device.js';
import { parseAlgorithms } from './multi-hash.js';
import { bsdLine, gnuLine } from './sum-lines.js';
import { renderDfxml } from './dfxml.js';
import { checkReportTarget, writeReportFile } from './report-file.js';
import { VmfskitError, isVmfskitError } from '../errors.js';
import type { Algorithm } from './algorithms.js';

export interface HashRequest {
  addresses: string[];
  algorithms: string[];
  window?: number;
  json?: boolean;
  dfxml?: string;
  force?: boolean;
  container?: boolean;
  tag?: boolean;
  progress?: boolean;
  threads?: number;
  open: OpenOptions;
  commandLine: string;
}

interface Hashed extends DeviceDigest {
  address: string;
  kind: string;
  /** Said on stderr (and in --json) when what was hashed is not what the address may seem to mean. */
  note?: string;
}

/**
 * A delta extent named on its own is hashed as its bytes (see open.ts): that digest is comparable
 * with md5sum on ESXi, and the examiner is told which address holds the snapshot's disk.
 */
async function deltaNote(opened: Opened): Promise<string | undefined> {
  if (!opened.deltaExtent) return undefined;
  const { descriptorsNaming } = await import('./extent-owner.js');
  const owners = await descriptorsNaming(opened);
  const disk = owners.length ? `hash ${owners.join(' or ')} for the snapshot's disk` : 'no descriptor in its folder names it';
  return `${opened.address} is a ${opened.deltaExtent} delta extent, hashed as its file bytes (as md5sum on ESXi); ${disk}`;
}

/** md5sum-compatible text: GNU lines for one algorithm, BSD tag lines (one per algorithm) for several. */
export function formatText(h: Hashed, algs: Algorithm[], tag: boolean): string {
  const lines = algs.map((a) => (algs.length === 1 && !tag ? gnuLine(h.digests[a]!, h.address) : bsdLine(a, h.digests[a]!, h.address)));
  // Piecewise digests as '#' comments: md5sum/sha*sum -c skip them, a reader sees dc3dd's layout.
  for (const a of h.windows ? algs : []) {
    lines.push(`# ${a} windows of ${h.address}:`);
    for (const w of h.windows!) {
      const last = w.offset + w.length - 1;
      lines.push(`#    ${w.digests[a]}, bytes ${w.offset} - ${last}, sectors ${w.firstSector} - ${w.lastSector}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The head of every hash --json document: who made it, how, when. */
export function provenance(commandLine: string, start: Date, end: Date): Record<string, string> {
  return { program: 'vmfskit', version: VERSION, 'command-line': commandLine, 'start-time': start.toISOString(), 'end-time': end.toISOString() };
}

export async function runHash(req: HashRequest): Promise<number> {
  const algs = parseAlgorithms(req.algorithms);
  if (req.window !== undefined && (req.window <= 0 || req.window % 512 !== 0)) {
    throw new VmfskitError('USAGE', `--window must be a positive multiple of 512 bytes (got ${req.window})`);
  }
  if (req.threads !== undefined && !(Number.isSafeInteger(req.threads) && req.threads >= 1)) {
    throw new VmfskitError('USAGE', `--threads must be a whole number of at least 1 (got ${req.threads})`);
  }
  if (req.dfxml) await checkReportTarget(req.dfxml, req.force ?? false, req.addresses);
  const startTime = new Date();
  const interrupt = watchSignals(() => {});
  const results: Hashed[] = [];
  // As md5sum: a file that cannot be read is reported and the others are still hashed.
  const errors: { filename: string; error: string; code: number }[] = [];
  try {
    for (const address of req.addresses) {
      let opened;
      try {
        opened = await openAddress(address, { ...req.open, container: req.container });
      } catch (e) {
        if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
        errors.push({ filename: address, error: e.message, code: e.exitCode });
        process.stderr.write(`vmfskit: ${e.message}\n`);
        continue;
      }
      let progress: Progress | undefined;
      try {
        const dev = opened.device;
        progress = req.progress ? new Progress(dev.size) : undefined;
        const d = await hashDevice(dev, algs, {
          window: req.window,
          threads: req.threads,
          check: () => interrupt.check(),
          onProgress: progress ? (done, run) => progress!.update(done, run) : undefined,
        });
        progress?.clear();
        const note = await deltaNote(opened);
        if (note) process.stderr.write(`vmfskit: note: ${note}\n`);
        const h: Hashed = { address, kind: opened.kind, ...d, ...(note ? { note } : {}) };
        results.push(h);
        if (!req.json) await writeOut(formatText(h, algs, req.tag ?? false));
      } catch (e) {
        if (!isVmfskitError(e) || e.code === 'INTERRUPTED') throw e;
        progress?.clear();
        errors.push({ filename: address, error: e.message, code: e.exitCode });
        process.stderr.write(`vmfskit: ${e.message}\n`);
      } finally {
        progress?.clear();
        await opened.close();
      }
    }
  } finally {
    interrupt.dispose();
  }
  const endTime = new Date();
  // A report that silently leaves out an object would be a partial report: none is written.
  if (req.dfxml && errors.length) process.stderr.write(`vmfskit: ${req.dfxml}: not written: ${errors.length} object(s) could not be hashed\n`);
  else if (req.dfxml) {
    const xml = renderDfxml({
      program: 'vmfskit',
      version: VERSION,
      commandLine: req.commandLine,
      startTime,
      sources: req.addresses,
      objects: results.map((r) => ({ filename: r.address, filesize: r.size, digests: r.digests, windows: r.windows })),
    });
    await writeReportFile(req.dfxml, xml, req.force ?? false, req.addresses);
  }
  if (req.json) {
    await writeJson({
      ...provenance(req.commandLine, startTime, endTime),
      images: results.map((r) => ({
        filename: r.address,
        kind: r.kind,
        ...(r.note ? { note: r.note } : {}),
        'virtual-size': r.size,
        'bytes-read': r.bytesRead,
        hashes: r.digests,
        ...(r.windows
          ? {
              windows: r.windows.map((w) => ({
                offset: w.offset,
                length: w.length,
                'first-sector': w.firstSector,
                'last-sector': w.lastSector,
                hashes: w.digests,
              })),
            }
          : {}),
      })),
      ...(errors.length ? { errors: errors.map(({ filename, error }) => ({ filename, error })) } : {}),
    });
  }
  return errors.length ? Math.max(...errors.map((e) => e.code)) : 0;
}
