/**
 * The inventory as an examiner draws it: the snapshot tree (oldest at the
 * top, children indented, "You are here" under the snapshot the VM runs
 * on), then per disk its chain and the descriptor to open for each state.
 */
import path from 'node:path';
import type { FolderAccess } from './index.js';
import type { SnapshotNode, VmInventory } from './inventory.js';

function snapshotLines(n: SnapshotNode, prefix: string, last: boolean, out: string[]): void {
  const branch = prefix + (last ? '`-- ' : '|-- ');
  const cont = prefix + (last ? '    ' : '|   ');
  out.push(`${branch}${n.name}  [uid ${n.uid}]${n.created ? `  ${n.created}` : ''}`);
  if (n.description) out.push(`${cont}    description: ${JSON.stringify(n.description)}`);
  const files = [n.stateFile && `state ${n.stateFile}`, n.memoryFile && `memory ${n.memoryFile}`].filter(Boolean);
  if (files.length) out.push(`${cont}    ${files.join(', ')}`);
  for (const d of n.disks) out.push(`${cont}    disk ${d.node}: ${d.fileName}`);
  const kids = [...n.children];
  n.children.forEach((c, i) => snapshotLines(c, cont, i === kids.length - 1 && !n.current, out));
  if (n.current) out.push(`${cont}\`-- You are here (current state)`);
}

export function renderInventory(vms: VmInventory[], fa: FolderAccess): string {
  const out: string[] = [];
  for (const vm of vms) {
    if (out.length) out.push('');
    const cfg = vm.vmx ? path.posix.basename(vm.vmx) : 'no .vmx';
    out.push(`VM ${JSON.stringify(vm.vm)}  folder ${fa.display(vm.dir)}  (${cfg})`);
    if (vm.vmsd) {
      out.push(`Snapshots (${path.posix.basename(vm.vmsd)}):`);
      if (!vm.snapshots.length) out.push('  (none)');
      vm.snapshots.forEach((s, i) => snapshotLines(s, '  ', i === vm.snapshots.length - 1, out));
    } else {
      out.push('Snapshots: no .vmsd');
    }
    for (const d of vm.disks) {
      const chain = d.chain.map((l) => path.posix.basename(l.path)).join(' -> ');
      const top = d.chain[0];
      out.push(`Disk ${d.node ? d.node + ' ' : ''}${JSON.stringify(d.disk)}${top ? `  ${top.size} bytes  (${top.createType || 'no createType'})` : ''}`);
      out.push(`  chain: ${chain || '(unreadable)'}${d.problem ? `  [broken: ${d.problem}]` : ''}`);
      const w = Math.max(...d.states.map((s) => s.state.length), 5);
      for (const s of d.states) {
        const when = s.snapshot?.created ? `  ${s.snapshot.created}` : '';
        out.push(`  ${s.state.padEnd(w)}  ${fa.display(s.descriptor)}${when}`);
      }
    }
    for (const warn of vm.warnings) out.push(`  warning: ${warn}`);
  }
  return out.join('\n') + '\n';
}
