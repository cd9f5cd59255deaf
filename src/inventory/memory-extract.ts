/** `triage --extract-memory DIR`: each complete .vmem + .vmsn/.vmss pair copied out under its own names (Volatility opens the pair by base name). */
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { copyToFile } from '../convert/to-file.js';
import { VmfskitError, fromOsError } from '../errors.js';
import type { TriageReport } from './triage.js';

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'vm';

export async function extractMemory(r: TriageReport, dest: string, opts: { force: boolean; inputs: string[] }): Promise<Array<{ from: string; to: string; size: number }>> {
  const st = await fsp.stat(dest).catch((e: unknown) => {
    throw fromOsError(e, dest);
  });
  if (!st.isDirectory()) throw new VmfskitError('USAGE', 'is not a folder', { file: dest });
  const done: Array<{ from: string; to: string; size: number }> = [];
  const used = new Set<string>();
  for (const vm of r.vms) {
    const pairs = vm.memoryPairs.filter((p) => p.complete);
    if (!pairs.length) continue;
    let sub = safe(vm.name);
    for (let i = 2; used.has(sub); i++) sub = `${safe(vm.name)}-${i}`;
    used.add(sub);
    const outDir = path.join(dest, sub);
    await fsp.mkdir(outDir, { recursive: true });
    const { fa, dir } = vm.internal;
    for (const p of pairs) {
      for (const file of [p.vmem!, p.state!]) {
        // The display names are addresses; the file's name in the VM folder is their last part.
        const name = file.split('/').pop()!;
        const dev = await fa.resolver(dir).open(name);
        try {
          const to = path.join(outDir, name);
          await copyToFile(dev, to, { force: opts.force, inputs: opts.inputs });
          done.push({ from: file, to, size: dev.size });
        } finally {
          await dev.close();
        }
      }
    }
  }
  return done;
}
