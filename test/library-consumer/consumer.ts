/**
 * A program another tool would write against the packed vmfskit (test/package-library.test.ts
 * compiles it with tsc --strict against the shipped types and runs it on the sample LUN).
 * Usage: node consumer.js LUN ADDRESS OUT.raw  -> JSON on stdout.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { hash, mapEntries, openAddress, openVolume, snapshots, VmfskitError, type Disk, type ErrorCode, type MapEntry, type Run } from 'vmfskit';

const [lun, address, out] = process.argv.slice(2) as [string, string, string];

const disk: Disk = await openAddress(address);
const fd = openSync(out, 'w');
const buffer = new Uint8Array(1 << 20);
for (let offset = 0; offset < disk.size; ) {
  const n = await disk.read(buffer, offset);
  writeSync(fd, buffer, 0, n);
  offset += n;
}
closeSync(fd);
const runs: Run[] = await disk.map(0, disk.size);
const entries: MapEntry[] = [];
for await (const e of mapEntries(disk)) entries.push(e);
const digests = await hash(disk, ['sha256', 'md5']);
await disk.close();

const volume = await openVolume(lun);
const names = (await volume.readdir('/VM')).map((s) => s.name);
const flat = await volume.openFile('/VM/VM-flat.vmdk');
const flatSize = (await volume.stat('/VM/VM-flat.vmdk')).size;
const flatSha256 = (await hash(flat, ['sha256'])).digests.sha256;
await flat.close();
await volume.close();

const tree = await snapshots(`${lun}::/VM`);
const states = tree.vms.flatMap((vm) => vm.disks.flatMap((d) => d.states.map((s) => s.descriptor)));
const snapshotNames = tree.vms.flatMap((vm) => vm.snapshots.map((s) => s.name));

let code: ErrorCode | undefined;
try {
  await openAddress(`${lun}::/VM/no-such.vmdk`);
} catch (e) {
  if (e instanceof VmfskitError) code = e.code;
}

process.stdout.write(JSON.stringify({ size: disk.size, kind: disk.kind, layers: disk.layers?.length, runs, entries, digests: digests.digests, names, flatSize, flatSha256, states, snapshotNames, code }));
