/**
 * `vmfskit convert`: any address to raw — a sparse file, a split set, or
 * stdout — with optional hashes of the written bytes from the same pass.
 * The CLI hands in how to write to stdout, so this module stays below the
 * CLI layer.
 */
import path from 'node:path';
import fs, { promises as fsp } from 'node:fs';
import { openAddress, parseAddress, type OpenOptions, type Opened } from '../open.js';
import { VmfskitError } from '../errors.js';
import { VERSION } from '../version.js';
import { copyDevice, type CopyStats } from './copy.js';
import { planDestination, identities, sameAsInput } from './destination.js';
import { FileSetSink } from './file-sink.js';
import { StreamSink, type Sink } from './sink.js';
import { Progress } from './progress.js';
import { watchSignals } from './interrupt.js';
import { parseSize } from './size.js';

export interface ConvertRequest {
  src: string;
  dst: string;
  /** `-f`: input format, for qemu-img habits: vmdk (must be one) or raw (the file's own bytes). */
  inputFormat?: string;
  /** `-O`: only raw. */
  outputFormat?: string;
  /** `-S` as typed (default 4k). */
  sparse?: string | number;
  /** `--split` as typed. */
  split?: string | number;
  hash?: string[];
  force?: boolean;
  progress?: boolean;
  quiet?: boolean;
  json?: boolean;
  open: OpenOptions;
  /** The command line, for the provenance record. */
  argv: string[];
}

export interface ConvertIo {
  /** Write to stdout with backpressure; rejects quietly-handled on a closed pipe. */
  writeOut(chunk: Uint8Array | string): Promise<void>;
  stderr: NodeJS.WriteStream;
  /** Raw disk bytes are not for a terminal. */
  stdoutIsTTY?: boolean;
}

const DEFAULT_SPARSE = 4096;

function checkFormats(req: ConvertRequest): void {
  const out = req.outputFormat?.toLowerCase();
  if (out !== undefined && out !== 'raw') {
    throw new VmfskitError('USAGE', `-O ${req.outputFormat}: vmfskit converts to raw only (split raw with --split); use qemu-img on the raw result for other formats`);
  }
  const inp = req.inputFormat?.toLowerCase();
  if (inp !== undefined && inp !== 'raw' && inp !== 'vmdk') {
    throw new VmfskitError('USAGE', `-f ${req.inputFormat}: vmfskit reads vmdk (and raw: a file's own bytes) only`);
  }
}

/** Host files the conversion reads: none of them may be the output. */
function inputFiles(req: ConvertRequest, opened: Opened): string[] {
  const files = [parseAddress(req.src).host, ...(req.open.extents ?? [])];
  for (const layer of opened.vmdk?.layers ?? []) {
    const host = parseAddress(layer.filename).host;
    files.push(host);
    for (const e of layer.extents) {
      if (!e.filename) continue;
      const inner = parseAddress(e.filename).host;
      files.push(inner, path.resolve(path.dirname(host), inner));
    }
  }
  return files.map((f) => path.resolve(f));
}

/** With `-` the shell opened the output: still refuse when stdout is one of the inputs (`>> x-flat.vmdk`). */
async function checkStdout(inputs: string[]): Promise<void> {
  const st = fs.fstatSync(1);
  const same = sameAsInput(st, await identities(inputs));
  if (same) throw new VmfskitError('USAGE', `stdout is the input file ${same.name}: refusing to write into evidence`, { file: '-' });
}

async function allocatedBytes(files: string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await fsp.stat(f)).blocks * 512;
  return n;
}

export async function runConvert(req: ConvertRequest, io: ConvertIo): Promise<number> {
  checkFormats(req);
  const sparse = req.sparse === undefined ? DEFAULT_SPARSE : parseSize(req.sparse, '-S');
  const split = req.split === undefined ? undefined : parseSize(req.split, '--split');
  const toStdout = req.dst === '-';
  if (!req.dst) throw new VmfskitError('USAGE', 'the output name is empty (use - for stdout)');
  if (!req.src) throw new VmfskitError('USAGE', 'no input: name a file, a device or an address (reading stdin is not supported)');
  if (split !== undefined && (split === 0 || split % 512 !== 0)) {
    throw new VmfskitError('USAGE', `--split ${req.split}: the piece size must be a positive multiple of 512 bytes`);
  }
  if (split !== undefined && toStdout) throw new VmfskitError('USAGE', '--split needs a file name, not - (stdout)');
  if (toStdout && io.stdoutIsTTY) throw new VmfskitError('USAGE', 'stdout is a terminal: redirect it (> disk.raw, | tool) or give an output file name');
  const startTime = new Date();

  const opened = await openAddress(req.src, { ...req.open, container: req.inputFormat?.toLowerCase() === 'raw' || req.open.container });
  try {
    if (req.inputFormat?.toLowerCase() === 'vmdk' && opened.kind !== 'vmdk') {
      throw new VmfskitError('USAGE', `-f vmdk: this is not a VMDK (it opened as ${opened.kind === 'host' ? 'a plain file' : 'a file in VMFS'})`, { file: req.src });
    }
    const dev = opened.device;
    const inputs = inputFiles(req, opened);
    let sink: Sink;
    let stale: string[] = [];
    if (toStdout) {
      await checkStdout(inputs);
      sink = new StreamSink(io.writeOut);
    } else {
      const plan = await planDestination(req.dst, dev.size, split, req.force ?? false, inputs);
      sink = new FileSetSink(plan.pieces);
      stale = plan.stale;
    }

    const showProgress = !req.quiet && (req.progress ?? io.stderr.isTTY === true);
    const progress = showProgress ? new Progress(dev.size, io.stderr) : null;
    const interrupt = watchSignals((signal) => {
      progress?.clear();
      const removed = sink.abortSync();
      io.stderr.write(`vmfskit: ${req.dst}: interrupted by ${signal} again; ${describeRemoved(removed, toStdout)}\n`);
    });
    const hasher = req.hash?.length ? await (await import('../hash/multi-hash.js')).MultiHash.create(req.hash) : null;

    let stats: CopyStats;
    let files: string[];
    let digests: Record<string, string> | undefined;
    try {
      stats = await copyDevice(dev, sink, {
        sparse,
        hasher: hasher ?? undefined,
        progress: progress ? (done, run) => progress.update(done, run) : undefined,
        check: () => interrupt.check(),
      });
      digests = hasher ? await hasher.digest() : undefined;
      files = await sink.finish();
      interrupt.check();
    } catch (e) {
      progress?.clear();
      const removed = await sink.abort();
      if (interrupt.reason) {
        throw new VmfskitError('INTERRUPTED', `${interrupt.reason.message}; ${describeRemoved(removed, toStdout)}`, { file: req.dst }, { exitCode: interrupt.reason.exitCode });
      }
      throw e;
    } finally {
      interrupt.dispose();
      await hasher?.close();
    }
    progress?.clear();
    for (const f of stale) await fsp.unlink(f);

    // With data on stdout, the results go to stderr.
    const say = toStdout ? (s: string) => void io.stderr.write(s) : (s: string) => io.writeOut(s);
    if (req.json) {
      const result = {
        tool: 'vmfskit',
        version: VERSION,
        'command-line': req.argv,
        'start-time': startTime.toISOString(),
        'end-time': new Date().toISOString(),
        source: req.src,
        'source-kind': opened.kind,
        'virtual-size': dev.size,
        destination: req.dst,
        files,
        ...(split !== undefined ? { 'split-size': split } : {}),
        'sparse-size': sparse,
        'written-bytes': stats.written,
        'hole-bytes': stats.holes,
        ...(toStdout ? {} : { 'actual-size': await allocatedBytes(files) }),
        ...(stale.length ? { 'removed-stale-pieces': stale } : {}),
        ...(digests ? { hashes: digests } : {}),
      };
      await say(JSON.stringify(result, null, 2) + '\n');
    } else if (digests) {
      const name = toStdout ? '-' : req.dst;
      for (const [, hex] of Object.entries(digests)) await say(`${hex}  ${name}\n`);
    }
    if (stale.length && !req.quiet) io.stderr.write(`vmfskit: removed ${stale.length} stale piece(s) of an older split set: ${stale.join(', ')}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

function describeRemoved(removed: string[], toStdout: boolean): string {
  if (toStdout) return 'the data written to stdout is incomplete';
  return removed.length ? `removed the partial output (${removed.join(', ')})` : 'no output was written';
}
