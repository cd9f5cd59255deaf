/** Partition listings in human form (`info` of a disk or LUN, `partitions`); the JSON is the objects as they are. */
import type { DescribedPartition } from './guest.js';
import type { Candidate, ScanResult } from './scan.js';

const mib = (n: number) => `${(n / 1048576).toFixed(n % 1048576 ? 2 : 0)} MiB`;

export interface TableFacts {
  scheme: string;
  'sector-size': number;
  'sector-size-from'?: string;
  warnings: string[];
  partitions: Array<Pick<DescribedPartition, 'index' | 'start' | 'size' | 'type' | 'typeName' | 'name' | 'isVmfs'> & { holds?: string; problems?: string[] }>;
}

/** "partition table: GPT, 4096-byte sectors (GPT header at byte 4096)" and one line per partition. */
export function tableLines(pt: TableFacts): string[] {
  const s = pt['sector-size'];
  const out = [`partition table: ${pt.scheme.toUpperCase()}, ${s}-byte sectors${pt['sector-size-from'] ? ` (${pt['sector-size-from']})` : ''}`];
  for (const p of pt.partitions) {
    const type = `type ${p.type}${p.typeName ? ` (${p.typeName})` : ''}${p.name ? ` "${p.name}"` : ''}`;
    const holds = p.holds ? `: ${p.holds}` : p.isVmfs ? '  (VMFS)' : '';
    out.push(`  ${p.index}: start ${p.start} (sector ${p.start / s}) size ${p.size} bytes (${mib(p.size)}, ${p.size / s} sectors) ${type}${holds}`);
    for (const x of p.problems ?? []) out.push(`     problem: ${x}`);
  }
  for (const w of pt.warnings) out.push(`  warning: ${w}`);
  return out;
}

function candidateLines(c: Candidate, sector: number): string[] {
  const len = c.size === undefined ? 'length unknown' : `size ${c.size} bytes (${mib(c.size)}, ${c.size / sector} sectors)`;
  const what = c.fs ? `${c.fs}${c.label ? ` "${c.label}"` : ''}${c.id ? ` id ${c.id}` : ''}` : 'no file system recognized';
  const gpt = c.gpt ? `, backup GPT entry ${c.gpt.index} type ${c.gpt.type}${c.gpt.typeName ? ` (${c.gpt.typeName})` : ''}${c.gpt.name ? ` "${c.gpt.name}"` : ''}` : '';
  return [
    `  ${c.number}: start ${c.start} (sector ${c.start / sector}) ${len}: ${what}${gpt}`,
    ...c.found.map((f) => `     found: ${f}`),
    ...c.contradicts.map((f) => `     against: ${f}`),
  ];
}

export function scanLines(r: ScanResult, sector: number): string[] {
  const out = [`scan: ${r.probes} places probed on ${r.size} bytes; ${r.candidates.length} candidate(s)${r.backupGpt ? `; backup GPT header at LBA ${r.backupGpt.lba} (${r.backupGpt.sectorSize}-byte sectors)` : '; no backup GPT header'}`];
  for (const c of r.candidates) out.push(...candidateLines(c, sector));
  return out;
}
