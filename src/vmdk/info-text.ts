/** Human-readable `info` of a VMDK chain (the JSON form is VmdkDisk.info()). */
import type { VmdkDisk } from './index.js';

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u ? v.toFixed(v < 10 ? 2 : 1).replace(/\.0+$/, '') : v} ${units[u]} (${n} bytes)`;
}

function cid(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export function infoText(disk: VmdkDisk): string {
  const top = disk.layers[0]!;
  const lines = [`image: ${disk.name}`, `file format: vmdk`, `virtual size: ${size(disk.size)}`, `create type: ${top.createType || '(none)'}`, `CID: ${cid(top.cid)}`, `parent CID: ${cid(top.parentCid)}`, `layers: ${disk.layers.length}`];
  disk.layers.forEach((l, depth) => {
    lines.push('', `layer ${depth}${depth === 0 ? ' (top)' : ''}: ${l.filename}`);
    lines.push(`  create type: ${l.createType || '(none)'}`, `  CID: ${cid(l.cid)}  parent CID: ${cid(l.parentCid)}`);
    if (l.parentFileNameHint) lines.push(`  parent hint: ${l.parentFileNameHint}`);
    if (l.allocatedBytes !== undefined) lines.push(`  allocated: ${size(l.allocatedBytes)}`);
    lines.push('  extents:');
    for (const e of l.extents) {
      const at = e.offset !== undefined ? ` at sector ${e.offset}` : '';
      lines.push(`    ${e.access} ${e.sectors} sectors ${e.type}${e.filename !== undefined ? ` "${e.filename}"` : ''}${at} [${e.format ?? '?'}${e.compressed ? ', compressed' : ''}]`);
      if (e.note) lines.push(`      ${e.note}`);
    }
    const ddb = Object.entries(l.ddb);
    if (ddb.length) {
      lines.push('  disk database:');
      for (const [k, v] of ddb) lines.push(`    ${k} = ${v}`);
    }
    for (const w of l.warnings) lines.push(`  warning: ${w}`);
  });
  return lines.join('\n') + '\n';
}
