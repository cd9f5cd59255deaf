/** The triage as an examiner reads it: findings first, then VM by VM, then the host's logs and shell commands, then what could not be read. */
import { renderInventory } from './render.js';
import type { LogReport, TriageReport, VmTriage } from './triage.js';

const EVENTS_SHOWN = 50;

function logLines(l: LogReport, indent: string, out: string[]): void {
  const range = l.first ? `${l.first} .. ${l.last}` : 'no readable time';
  out.push(`${indent}${l.file}  ${l.size} bytes, ${l.lines} lines, ${range}${l.badTimes ? `, ${l.badTimes} bad time(s)` : ''}${l.problem ? `  [${l.problem}]` : ''}`);
  const shown = l.log === 'shell' ? l.events.filter((e) => e.kind !== 'shell-command') : l.events;
  for (const e of shown.slice(0, EVENTS_SHOWN)) out.push(`${indent}  ${e.time ?? '(no time)'.padEnd(24)}  ${e.kind.padEnd(15)}  ${e.text}`);
  const more = shown.length - EVENTS_SHOWN + l.eventsDropped;
  if (more > 0) out.push(`${indent}  … ${more} more event(s) (--json lists them)`);
}

function vmLines(vm: VmTriage, out: string[]): void {
  const reg = vm.registered === null ? 'inventory: no vmInventory.xml on the evidence' : vm.registered ? `registered (${vm.inventoryFile})` : 'NOT REGISTERED in any vmInventory.xml found';
  out.push(`VM ${JSON.stringify(vm.name)}  ${vm.vmx}`);
  out.push(`  ${reg}`);
  const id = vm.identity;
  out.push(`  guestOS ${id.guestOS ?? '?'}, virtualHW.version ${id.virtualHW ?? '?'}, memSize ${id.memoryMiB ?? '?'} MiB${id.numvcpus ? `, ${id.numvcpus} vCPU` : ''}`);
  out.push(`  uuid.bios ${id.biosUuid ?? '-'}   vc.uuid ${id.vcUuid ?? '-'}`);
  out.push(`  NICs: ${vm.nics.length ? '' : 'none'}`);
  for (const n of vm.nics) out.push(`    ${n.key.padEnd(10)} ${n.present ? (n.virtualDev ?? '?').padEnd(8) : '(not present)'}  ${JSON.stringify(n.networkName ?? '')}  ${n.mac ?? '-'} (${n.addressType ?? '?'})`);
  out.push(`  Direct hardware access: ${vm.passthrough.length ? '' : 'none'}`);
  for (const p of vm.passthrough) out.push(`    ${p.key.padEnd(26)} ${p.kind.padEnd(15)} ${p.target}`);
  if (vm.internal.inventory) {
    const inv = renderInventory([vm.internal.inventory], vm.internal.fa).trimEnd().split('\n').slice(1);
    for (const l of inv) out.push(`  ${l}`);
  }
  out.push(`  Memory files: ${vm.memory.length ? '' : 'none'}`);
  for (const m of vm.memory) {
    const of = m.belongsTo.kind === 'snapshot' ? `snapshot ${JSON.stringify(m.belongsTo.name)} (uid ${m.belongsTo.uid})` : m.belongsTo.kind === 'suspend' ? 'suspend state (checkpoint.vmState)' : m.belongsTo.kind === 'swap' ? 'swap of the running VM' : 'no snapshot or suspend state names it';
    out.push(`    ${m.file}  ${m.size} bytes  ${of}`);
  }
  for (const p of vm.memoryPairs) out.push(`    pair ${p.base}: ${p.complete ? 'complete (.vmem + state file)' : `incomplete — ${p.note}`}`);
  out.push(`  Logs: ${vm.logs.length ? '' : 'none'}`);
  for (const l of vm.logs) logLines(l, '    ', out);
  for (const p of vm.problems) out.push(`  could not read: ${p}`);
}

export function renderTriage(r: TriageReport): string {
  const out: string[] = [];
  out.push(`Findings (${r.findings.length}):`);
  for (const f of r.findings) out.push(`  ${f.severity.toUpperCase().padEnd(6)} ${(f.vm ?? 'host').padEnd(12)} ${f.kind.padEnd(28)} ${f.message}`);
  out.push('');
  out.push(`Sources: ${r.sources.map((s) => `${s.address}${s.label ? ` (VMFS "${s.label}" ${s.uuid})` : ''}`).join(', ')}`);
  out.push(`${r.vms.length} VM(s), ${r.hostLogs.length} host log(s), ${r.shellCommands.length} shell command(s)`);
  for (const vm of r.vms) {
    out.push('');
    vmLines(vm, out);
  }
  out.push('');
  out.push(`Host logs: ${r.hostLogs.length ? '' : 'none found'}`);
  for (const l of r.hostLogs) logLines(l, '  ', out);
  out.push('');
  out.push(`Shell commands (${r.shellCommands.length}):`);
  for (const c of r.shellCommands) out.push(`  ${c.time ?? '(no time)'}  ${c.user ? `[${c.user}] ` : ''}${c.command}`);
  if (r.inventories.length) {
    out.push('');
    out.push('Inventories:');
    for (const i of r.inventories) out.push(`  ${i.file}: ${i.entries} VM(s) registered${i.problems.length ? `  [${i.problems.join('; ')}]` : ''}`);
  }
  if (r.problems.length) {
    out.push('');
    out.push(`Could not read (${r.problems.length}):`);
    for (const p of r.problems) out.push(`  ${p.file}: ${p.problem}`);
  }
  return out.join('\n') + '\n';
}
