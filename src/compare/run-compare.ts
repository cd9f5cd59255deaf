/**
 * `vmfskit compare A B`: exit statuses as qemu-img compare (0 identical,
 * 1 different, 2 cannot open, 3 corrupt structure while reading, 4 I/O
 * error), its messages where it has one, plus the exact first byte and the
 * differing ranges.
 */
import { openAddress, type OpenOptions, type Opened } from '../open.js';
import { EXIT, isVmfskitError } from '../errors.js';
import { Progress } from '../convert/progress.js';
import { watchSignals } from '../convert/interrupt.js';
import { writeOut, writeJson } from '../cli/output.js';
import { compareDevices, type CompareResult } from './compare-devices.js';

export interface CompareRequest {
  a: string;
  b: string;
  strict?: boolean;
  maxDiffs: number;
  json?: boolean;
  progress?: boolean;
  quiet?: boolean;
  open: OpenOptions;
}

const SECTOR = 512;

/** Whatever goes wrong while opening is "cannot open" (qemu-img compare's 2), even a corrupt header. */
async function openSide(addr: string, opts: OpenOptions): Promise<Opened> {
  try {
    return await openAddress(addr, opts);
  } catch (e) {
    if (isVmfskitError(e)) e.exitCode = EXIT.CANNOT_OPEN;
    throw e;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function formatResult(r: CompareResult, req: CompareRequest): string {
  if (r.sizeMismatch && req.strict) return 'Strict mode: Image size mismatch!\n';
  if (r.identical) return 'Images are identical.\n';
  const first = r.firstDifference!;
  const lines = [
    `Content mismatch at offset ${first - (first % SECTOR)}!`,
    `First differing byte: ${first} (${hex(first)}), in 512-byte sector ${Math.floor(first / SECTOR)}`,
    'Differing ranges (byte offsets and 512-byte sectors, inclusive):',
  ];
  for (const g of r.ranges) {
    const last = g.offset + g.length - 1;
    lines.push(`  bytes ${g.offset} - ${last} (${hex(g.offset)} - ${hex(last)}), ${g.length} byte(s), sectors ${Math.floor(g.offset / SECTOR)} - ${Math.floor(last / SECTOR)}`);
  }
  lines.push(
    r.truncated
      ? `Stopped after ${r.ranges.length} differing range(s) (--max-diffs ${req.maxDiffs}); more differences follow.`
      : `${r.ranges.length} differing range(s), ${r.differingBytes} byte(s) differ.`,
  );
  return lines.join('\n') + '\n';
}

export async function runCompare(req: CompareRequest): Promise<number> {
  const A = await openSide(req.a, req.open);
  let B: Opened | undefined;
  const interrupt = watchSignals(() => {});
  let progress: Progress | undefined;
  try {
    // --parent names the parents of A, the delta under examination; B (the copy compared with) opens as ever.
    B = await openSide(req.b, { ...req.open, parentAddresses: undefined });
    const total = Math.max(A.device.size, B.device.size);
    progress = req.progress && !req.quiet ? new Progress(total) : undefined;
    const r = await compareDevices(A.device, B.device, {
      strict: req.strict,
      maxDiffs: req.maxDiffs,
      check: () => interrupt.check(),
      onProgress: progress ? (done) => progress!.update(done) : undefined,
    });
    progress?.clear();
    if (r.sizeMismatch && !req.strict && !req.quiet) process.stderr.write('Warning: Image size mismatch!\n');
    if (req.json) {
      await writeJson({
        identical: r.identical,
        'image-a': { filename: req.a, 'virtual-size': r.sizeA },
        'image-b': { filename: req.b, 'virtual-size': r.sizeB },
        'size-mismatch': r.sizeMismatch,
        strict: req.strict ?? false,
        ...(r.firstDifference !== undefined
          ? { 'first-difference': r.firstDifference, 'first-difference-sector': Math.floor(r.firstDifference / SECTOR) }
          : {}),
        differences: r.ranges,
        'differing-bytes': r.differingBytes,
        truncated: r.truncated,
      });
    } else if (!req.quiet) await writeOut(formatResult(r, req));
    return r.identical ? EXIT.OK : EXIT.DIFFERENT;
  } finally {
    progress?.clear();
    interrupt.dispose();
    await B?.close();
    await A.close();
  }
}
