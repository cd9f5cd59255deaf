/** `info` of a VMFS volume in human form (the JSON is Vmfs.info() as is). */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { tableLines } from '../partition/info-text.js';

const mib = (n: number) => `${n} bytes (${(n / 1048576).toFixed(n % 1048576 ? 2 : 0)} MiB)`;

export function volumeInfoText(i: Record<string, any>): string {
  const out: string[] = [];
  const pt = i['partition-table'];
  if (pt) out.push(...tableLines(pt));
  else out.push('partition table: none (bare VMFS partition)');
  if (i.lvm) {
    for (const d of i.lvm.devices) {
      out.push(`LVM device: ${d.file} at byte ${d['partition-offset']}, LVM ${d.version}, uuid ${d.uuid}${d['scsi-id'] ? `, SCSI id ${d['scsi-id']}` : ''}`);
      out.push(`  logical volume ${d['volume-uuid']}, ${d['device-count']} device(s)${d['device-names'].length ? `: ${d['device-names'].join(', ')}` : ''}`);
    }
    for (const e of i.lvm.extents) out.push(`  extent: volume bytes ${e.logical}+${e.length} at ${e.file} byte ${e['host-offset']}`);
  }
  out.push(`volume: "${i.label}"  uuid ${i.uuid}`);
  out.push(`  version ${i.version} (${i['fs-version']}), created ${i.created}`);
  out.push(`  block size ${i['block-size']}, sub-block size ${i['sub-block-size']}, volume size ${mib(i['volume-size'])}`);
  if (i['large-file-block-size'] !== undefined) {
    out.push(`  ${i.variant === 'VMFS-L' ? 'VMFS-L (ESXi OSDATA / local variant of VMFS-6)' : 'VMFS-6'}: small file blocks ${i['block-size']}, large file blocks ${i['large-file-block-size']}, metadata alignment ${i['md-alignment']}, physical disk block size ${i['physical-block-size']}`);
  }
  const u = i.usage;
  if (u) out.push(`  blocks: ${u.blocks} total, ${u.used} used, ${u.free} free (${mib(u.used * u['block-size'])} used, ${mib(u.free * u['block-size'])} free)`);
  for (const h of i['live-heartbeats'] ?? []) {
    out.push(`  live heartbeat: host ${h['owner-uuid']} (MAC ${h['owner-mac']}, IP ${h['host-ip'] || 'unknown'}), journal FB 0x${h['journal-address'].toString(16)} — the volume was mounted when imaged; its journal may hold unreplayed changes`);
  }
  return out.join('\n') + '\n';
}
