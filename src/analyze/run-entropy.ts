/**
 * `vmfskit entropy`: where is the damage. One pass over the address
 * (scanEntropy), merged runs as text or JSON, and optionally the picture.
 */
import { openAddress, type OpenOptions } from '../open.js';
import type { BlockDevice } from '../device/block-device.js';
import { Progress } from '../convert/progress.js';
import { watchSignals } from '../convert/interrupt.js';
import { formatBytes } from '../convert/size.js';
import { writeOut, writeJson } from '../cli/output.js';
import { checkReportTarget, writeReportFile } from '../hash/report-file.js';
import { readGpt } from '../partition/gpt.js';
import { readMbr } from '../partition/mbr.js';
import { CHI2_UNIFORM_MAX, HIGH_ENTROPY } from './entropy-stats.js';
import { scanEntropy, DEFAULT_WINDOW, checkWindow } from './entropy-scan.js';
import { entropyRuns, classTotals, type EntropyRun } from './entropy-runs.js';
import { drawEntropy, shortBytes, type PicturePartition } from './entropy-picture.js';

export interface EntropyRequest {
  address: string;
  window?: number;
  json?: boolean;
  png?: string;
  force?: boolean;
  progress?: boolean;
  threads?: number;
  open: OpenOptions;
}

/**
 * The guest's partitions as its MBR/GPT lists them, for the picture.
 * DEPENDENCY: the `partitions` work (issue 13 parts 2-3) brings a guest
 * partition lister with --scan recovery; this reads only an intact table with
 * the existing parsers and answers none when it is damaged (a locker's
 * first MiB usually is).
 */
export async function tablePartitions(dev: BlockDevice): Promise<PicturePartition[]> {
  try {
    for (const sector of [512, 4096]) {
      const gpt = await readGpt(dev, sector);
      if (gpt) return gpt.partitions.map((p) => ({ index: p.index, start: p.start, size: p.size }));
    }
    const mbr = await readMbr(dev);
    return mbr && !mbr.protective ? mbr.entries.map((p) => ({ index: p.index, start: p.start, size: p.size })) : [];
  } catch {
    return [];
  }
}

export function formatRuns(address: string, size: number, window: number, runs: EntropyRun[]): string {
  const lines = [
    `# ${address}: ${size} bytes (${formatBytes(size)}), window ${window} bytes; high entropy: H >= ${HIGH_ENTROPY} bits/byte, random if chi-square <= ${CHI2_UNIFORM_MAX.toFixed(1)}, else compressed`,
    `${'start'.padStart(15)} ${'end'.padStart(15)} ${'length'.padStart(15)}  ${'class'.padEnd(10)} entropy`,
  ];
  for (const r of runs) {
    lines.push(`${String(r.start).padStart(15)} ${String(r.end).padStart(15)} ${String(r.length).padStart(15)}  ${r.class.padEnd(10)} ${r.entropy.toFixed(4)}`);
  }
  return lines.join('\n') + '\n';
}

export async function runEntropy(req: EntropyRequest): Promise<number> {
  const window = req.window ?? DEFAULT_WINDOW;
  checkWindow(window);
  if (req.png) await checkReportTarget(req.png, req.force ?? false, [req.address]);
  const interrupt = watchSignals(() => {});
  try {
    const opened = await openAddress(req.address, req.open);
    let progress: Progress | undefined;
    try {
      const dev = opened.device;
      progress = req.progress ? new Progress(dev.size) : undefined;
      const scan = await scanEntropy(dev, {
        window,
        threads: req.threads,
        check: () => interrupt.check(),
        onProgress: progress ? (done, run) => progress!.update(done, run) : undefined,
      });
      progress?.clear();
      const runs = entropyRuns(scan);
      const partitions = await tablePartitions(dev);
      if (req.png) {
        const png = drawEntropy(scan, {
          title: `${req.address}  ${shortBytes(dev.size)}  WINDOW ${shortBytes(window)}`,
          subtitle: `RANDOM: H >= ${HIGH_ENTROPY}, CHI2 <= ${CHI2_UNIFORM_MAX.toFixed(0)}; COMPRESSED: H >= ${HIGH_ENTROPY}, CHI2 > ${CHI2_UNIFORM_MAX.toFixed(0)}`,
          partitions,
        });
        await writeReportFile(req.png, png, req.force ?? false, [req.address]);
      }
      if (req.json) {
        await writeJson({
          address: req.address,
          size: dev.size,
          window,
          rule: { highEntropy: HIGH_ENTROPY, chiSquareUniformMax: Math.round(CHI2_UNIFORM_MAX * 10) / 10, degreesOfFreedom: 255 },
          bytesRead: scan.bytesRead,
          totals: classTotals(runs),
          partitions,
          runs,
        });
      } else await writeOut(formatRuns(req.address, dev.size, window, runs));
      return 0;
    } finally {
      progress?.clear();
      await opened.close();
    }
  } finally {
    interrupt.dispose();
  }
}
