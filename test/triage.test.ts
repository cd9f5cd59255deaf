/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Issue 14 on the built datastore (corpus/builders/vmfs5/datastore.ts, the
 * image debugvmfs checked and corpus/MANIFEST "vmfs" recorded): `triage`
 * finds every VM, NIC, passthrough key, memory pair, log event and shell
 * command the builder put there, and nothing else; `freespace` gives exactly
 * the free blocks and finds exactly the planted artefacts; bad input (broken
 * .vmx, binary junk, a 100 MB log under a 48 MB heap, a damaged
 * vmInventory.xml, impossible times) is reported and the triage goes on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { scratch } from './helpers/paths.js';
import { runCli } from './helpers/cli.js';
import { sha256, sha256File } from './helpers/hash.js';
import { buildVmfs5, type BuildResult } from '../corpus/builders/vmfs5/index.js';
import { datastoreSpec, residueArtefacts, iso } from '../corpus/builders/vmfs5/datastore.js';
import { readSection } from '../corpus/builders/manifest.js';
import type { VmfsSection } from '../corpus/builders/vmfs5/corpus-build.js';

const MiB = 1 << 20;
let dir: string;
let img: string;
let built: BuildResult;

async function cliJson(args: string[]): Promise<any> {
  const r = await runCli(args);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(r.stdout.toString());
}

beforeAll(async () => {
  dir = scratch('triage');
  img = path.join(dir, 'vmfs5-datastore.img');
  built = await buildVmfs5(datastoreSpec(), img);
}, 120_000);

describe('the built datastore is the one debugvmfs checked', () => {
  it('same sha256 as the MANIFEST record, which debugvmfs agreed with file by file', () => {
    const rec = readSection<VmfsSection>('vmfs')!.volumes['vmfs5-datastore.img']!;
    expect(built.images[0]!.sha256).toBe(rec.images[0]!.sha256);
    expect(rec.entries.length).toBeGreaterThan(40);
    for (const e of rec.entries) if (e.path !== '/') expect(e.debugvmfs.ls, e.path).toBe('same');
  });
});

describe('triage of the datastore', () => {
  let t: any;
  beforeAll(async () => {
    t = await cliJson(['triage', '--json', img]);
  }, 60_000);

  const vm = (name: string) => t.vms.find((v: any) => v.name === name);

  it('every .vmx at any depth, with identity and inventory membership', () => {
    expect(t.vms.map((v: any) => [v.name, v.vmx.slice(v.vmx.indexOf('::') + 2), v.registered])).toEqual([
      ['db01', '/db01/db01.vmx', true],
      ['kiosk', '/kiosk/kiosk.vmx', true],
      ['web01', '/web01/web01.vmx', true],
      ['old-vm', '/archive/old-vm/old-vm.vmx', false],
    ]);
    expect(vm('web01').identity).toEqual({ displayName: 'web01', guestOS: 'ubuntu-64', virtualHW: '19', biosUuid: '42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8', vcUuid: '50 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 01', memoryMiB: 1024, numvcpus: 2 });
    expect(vm('old-vm').identity.vcUuid).toBeUndefined();
    expect(t.inventories).toEqual([{ file: `${img}::/host-config/etc/vmware/hostd/vmInventory.xml`, entries: 4, problems: [] }]);
    expect(t.findings.filter((f: any) => f.kind === 'unregistered-vm').map((f: any) => f.vm)).toEqual(['old-vm']);
    expect(t.findings.filter((f: any) => f.kind === 'inventory-vmx-missing').map((f: any) => f.message)).toEqual([expect.stringContaining('/gone/gone.vmx')]);
  });

  it('NICs with network, MAC and address type; two NICs on two networks are findings', () => {
    expect(vm('web01').nics).toEqual([
      { key: 'ethernet0', present: true, virtualDev: 'vmxnet3', networkName: 'VM Network', addressType: 'vpx', mac: '00:50:56:9a:10:01' },
      { key: 'ethernet1', present: true, virtualDev: 'e1000e', networkName: 'DMZ', addressType: 'static', mac: '00:50:56:3f:00:11' },
      { key: 'ethernet2', present: false, networkName: 'Backup' },
    ]);
    const kinds = t.findings.filter((f: any) => f.vm === 'web01').map((f: any) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['nics-on-different-networks', 'multiple-nics', 'static-mac']));
    expect(t.findings.filter((f: any) => /nics/.test(f.kind)).map((f: any) => f.vm)).toEqual(['web01', 'web01']);
  });

  it('each kind of direct hardware access with its .vmx key, the RDM with its LUN; each a high finding', () => {
    const keys = (n: string) => vm(n).passthrough.map((p: any) => [p.kind, p.key]);
    expect(keys('db01')).toEqual([['pci', 'pciPassthru0.present'], ['serial', 'serial0.fileType'], ['rdm', 'scsi0:1.fileName']]);
    expect(keys('kiosk')).toEqual([
      ['usb', 'usb.present'], ['usb-autoconnect', 'usb.autoConnect.device0'], ['serial', 'serial0.fileType'], ['serial', 'serial1.fileType'],
      ['parallel', 'parallel0.fileType'], ['floppy', 'floppy0.fileType'], ['cdrom', 'ide1:0.deviceType'], ['scsi-passthru', 'scsi1:0.deviceType'],
    ]);
    expect(keys('web01')).toEqual([]);
    const rdm = vm('db01').passthrough[2];
    expect(rdm.details.lun).toBe('naa.600508b1001c5e3a9f2d7c6b5a493827');
    expect(rdm.target).toBe('physical-mode RDM to naa.600508b1001c5e3a9f2d7c6b5a493827, 21474836480 bytes');
    expect(vm('kiosk').passthrough.find((p: any) => p.key === 'serial1.fileType').target).toBe('network telnet://:23001');
    // The ISO-backed CD (ide1:1, cdrom-image) is not host hardware.
    expect(vm('kiosk').passthrough.some((p: any) => p.key.startsWith('ide1:1'))).toBe(false);
    const high = t.findings.filter((f: any) => f.severity === 'high' && f.kind.startsWith('passthrough-')).map((f: any) => `${f.vm} ${f.key}`);
    expect(high.sort()).toEqual([...keys('db01').map((k: any) => `db01 ${k[1]}`), ...keys('kiosk').map((k: any) => `kiosk ${k[1]}`)].sort());
    expect(t.findings[0].severity).toBe('high');
  });

  it('memory files with their state, and whether the Volatility pair is whole', () => {
    const mem = (n: string) => vm(n).memory.map((m: any) => [m.file.split('/').pop(), m.type, m.size, m.belongsTo]);
    expect(mem('web01')).toEqual([
      ['web01-3c4d5e6f.vswp', 'vswp', 512 * MiB, { kind: 'swap' }],
      ['web01-Snapshot1.vmem', 'vmem', 1024 * MiB, { kind: 'snapshot', name: 'before-patch', uid: 1 }],
      ['web01-Snapshot1.vmsn', 'vmsn', 40000, { kind: 'snapshot', name: 'before-patch', uid: 1 }],
    ]);
    expect(mem('db01')).toEqual([
      ['db01-5a6b7c8d.vmem', 'vmem', 1024 * MiB, { kind: 'suspend' }],
      ['db01-5a6b7c8d.vmss', 'vmss', 30000, { kind: 'suspend' }],
    ]);
    expect(vm('web01').memoryPairs.map((p: any) => [p.base, p.complete])).toEqual([['web01-Snapshot1', true]]);
    expect(vm('db01').memoryPairs.map((p: any) => [p.base, p.complete])).toEqual([['db01-5a6b7c8d', true]]);
    expect(vm('kiosk').memoryPairs).toEqual([{ base: 'kiosk-Snapshot4', state: `${img}::/kiosk/kiosk-Snapshot4.vmsn`, complete: false, note: expect.stringContaining('no kiosk-Snapshot4.vmem') }]);
  });

  it('disks, chains and snapshot states as `snapshots` gives them', async () => {
    const s = await cliJson(['snapshots', '--json', `${img}::/web01`]);
    expect(vm('web01').disks).toEqual(s.vms[0].disks);
    expect(vm('web01').snapshots).toEqual(s.vms[0].snapshots);
    expect(vm('web01').disks[0].chain.map((l: any) => l['create-type'])).toEqual(['vmfsSparse', 'vmfs']);
  });

  it('vmware*.log: first/last time and the events, ESXi version, host name and migration', () => {
    const logs = vm('web01').logs.map((l: any) => ({ name: l.path, first: l.first, last: l.last, events: l.events.map((e: any) => [e.kind, e.text]) }));
    expect(logs).toEqual([
      {
        name: '/web01/vmware-1.log', first: iso(-86400 * 2), last: iso(-86400 + 3601),
        events: [
          ['esxi-version', 'version=7.0.3 build=build-21930508'], ['hostname', 'esx02.example.lab'], ['power-on', 'poweredOn'],
          ['migration', "Received migrate 'from' request for mid id 1700080000123456 10.0.0.12"], ['power-off', 'poweredOff'], ['vmx-exit', 'VMX has left the building: 0'],
        ],
      },
      {
        name: '/web01/vmware.log', first: iso(2000, 100), last: iso(3001, 585),
        events: [
          ['esxi-version', 'version=7.0.3 build=build-21930508'], ['hostname', 'esx01.example.lab'], ['power-on', 'poweredOn'], ['snapshot-create', 'before-patch'],
          ['memory-image', `${built.fsUuid ? `/vmfs/volumes/${built.fsUuid}` : ''}/web01/web01-Snapshot1.vmem`], ['snapshot-done', 'before-patch'],
        ],
      },
    ]);
    expect(vm('kiosk').logs[0].events.map((e: any) => e.kind)).toEqual(['esxi-version', 'hostname', 'power-on', 'snapshot-create', 'consolidate']);
    expect(vm('kiosk').logs[0]).toMatchObject({ badTimes: 1, firstBadTimeLine: 4, lines: 6 });
    expect(t.problems).toContainEqual({ file: `${img}::/kiosk/vmware.log`, problem: '1 line(s) with a time that is not a real one (first: line 4)' });
    expect(vm('old-vm').logs[0].events[0]).toEqual({ time: '2019-06-01T10:00:00.000Z', kind: 'esxi-version', line: 1, text: 'version=6.0.0 build=build-3620759' });
    expect(vm('db01').logs[0].events.map((e: any) => e.kind)).toEqual(['esxi-version', 'hostname', 'power-on', 'suspend', 'vmx-exit']);
  });

  it('host logs from .locker/log with their time ranges, and every shell command', () => {
    expect(t.hostLogs.map((l: any) => [l.path, l.log, l.lines, l.first, l.last])).toEqual([
      ['/.locker/log/auth.log', 'auth', 3, iso(2890, 281), iso(3500, 981)],
      ['/.locker/log/hostd.log', 'hostd', 3, iso(60), iso(3001)],
      ['/.locker/log/shell.log', 'shell', 7, iso(2900), iso(3400)],
      ['/.locker/log/vmkernel.log', 'vmkernel', 2, iso(30), iso(3600)],
      ['/.locker/log/vobd.log', 'vobd', 1, iso(2880, 50), iso(2880, 50)],
    ]);
    expect(t.shellCommands.map((c: any) => [c.time, c.user, c.command])).toEqual([
      [iso(2912, 456), 'root', 'esxcli system version get'],
      [iso(2930), 'root', 'vim-cmd vmsvc/getallvms'],
      [iso(2970), 'root', 'esxcli system settings encryption get'],
      [iso(2990), 'root', 'vim-cmd vmsvc/snapshot.create 1 before-patch'],
      [iso(3300), 'root', 'esxcli vm process list'],
      [iso(3400), 'root', 'esxcli system syslog config set --logdir=/tmp'],
    ]);
    expect(t.hostLogs[0].events.map((e: any) => e.kind)).toEqual(['login', 'login']);
  });

  it('text output: findings first, then the VMs', async () => {
    const r = await runCli(['triage', img]);
    expect(r.code).toBe(0);
    const text = r.stdout.toString();
    expect(text.startsWith('Findings (')).toBe(true);
    expect(text.indexOf('HIGH')).toBeLessThan(text.indexOf('VM "db01"'));
    expect(text).toContain('VM "old-vm"');
    expect(text).toContain('NOT REGISTERED');
    expect(text).toContain('[root] esxcli system settings encryption get');
  });

  it('--extract-memory copies each complete pair under its own names, byte for byte', async () => {
    const out = path.join(dir, 'mem');
    mkdirSync(out);
    const r = await runCli(['triage', '--json', '--extract-memory', out, img], { timeoutMs: 300_000 });
    expect(r.code).toBe(0);
    const want = (p: string) => built.files.find((f) => f.path === p)!;
    for (const [sub, p] of [['web01', '/web01/web01-Snapshot1.vmem'], ['web01', '/web01/web01-Snapshot1.vmsn'], ['db01', '/db01/db01-5a6b7c8d.vmem'], ['db01', '/db01/db01-5a6b7c8d.vmss']] as const) {
      const f = path.join(out, sub, path.posix.basename(p));
      expect(statSync(f).size, f).toBe(want(p).size);
      expect(await sha256File(f), f).toBe(want(p).sha256());
    }
    // A second run refuses to overwrite.
    const again = await runCli(['triage', '--extract-memory', out, img]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists|--force/);
  }, 300_000);
});

describe('freespace', () => {
  it('the view is free blocks × block size, the map and the scan find exactly the planted artefacts', async () => {
    const j = await cliJson(['freespace', '--json', '--scan', img]);
    expect(j.freeBlocks).toBe(built.freeBlocks);
    expect(j.viewSize).toBe(built.freeBlocks * built.blockSize);
    expect(j.runs.reduce((n: number, r: any) => n + r.count, 0)).toBe(built.freeBlocks);
    const last = j.blocks - 1;
    const { expect: planted } = residueArtefacts();
    expect(j.artefacts.map((a: any) => [a.kind, a.volumeOffset])).toEqual(
      planted.map((p) => [p.kind, (last - p.fromEnd) * MiB + p.offset]).sort((a: any, b: any) => a[1] - b[1] || a[0].localeCompare(b[0])),
    );
    for (const a of j.artefacts) {
      expect(a.hostOffset).toBe(a.volumeOffset + 0x1100000 + built.images[0]!.partitionOffset);
      expect(a.block).toBe(Math.floor(a.volumeOffset / MiB));
    }
  });

  it('-o FILE writes the view; the planted bytes are where the map says', async () => {
    const out = path.join(dir, 'free.raw');
    const j = await cliJson(['freespace', '--json', '-o', out, img]);
    expect(statSync(out).size).toBe(j.viewSize);
    const fd = openSync(out, 'r');
    try {
      for (const r of built.residue) {
        const run = j.runs.find((x: any) => r.volumeOffset >= x.volumeOffset && r.volumeOffset < x.volumeOffset + x.count * MiB);
        const buf = Buffer.alloc(r.length);
        readSync(fd, buf, 0, r.length, run.viewOffset + (r.volumeOffset - run.volumeOffset));
        expect(sha256(buf)).toBe(r.sha256);
      }
    } finally {
      closeSync(fd);
    }
    const again = await runCli(['freespace', '-o', out, img]);
    expect(again.code).toBe(2);
  });
});

describe('bad input: the triage goes on and says what it could not read', () => {
  it('broken quoting, binary junk, a 100 MB log under a 48 MB heap, a damaged vmInventory.xml, impossible times', async () => {
    const host = path.join(dir, 'host');
    mkdirSync(path.join(host, 'bad'), { recursive: true });
    mkdirSync(path.join(host, 'big'), { recursive: true });
    writeFileSync(path.join(host, 'bad', 'bad.vmx'), Buffer.concat([
      Buffer.from('displayName = "bad vm\nguestOS = "other"\nethernet0.present = "TRUE"\nethernet0.networkName = "LAN\n'),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 10]),
      Buffer.from('memSize = "256"\nthis line has no equals sign\n'),
    ]));
    writeFileSync(path.join(host, 'bad', 'vmware.log'), '2023-02-30T10:00:00.000Z| vmx| I125: February 30th\n2023-01-01T00:00:00.000Z| vmx| I125: Transitioned vmx/execState/val to poweredOn\n');
    writeFileSync(path.join(host, 'big', 'big.vmx'), 'displayName = "big"\n');
    const fd = openSync(path.join(host, 'big', 'vmware.log'), 'w');
    const line = `${'2023-01-01T00:00:00.000Z| vmx| I125: '}${'x'.repeat(962)}\n`; // 1000 bytes
    const block = Buffer.from(line.repeat(1024));
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    const lastLine = '2023-01-02T00:00:00.000Z| vmx| I125: Transitioned vmx/execState/val to poweredOff\n';
    writeSync(fd, lastLine);
    closeSync(fd);
    writeFileSync(path.join(host, 'vmInventory.xml'), '<ConfigRoot>\n<ConfigEntry id="0000"><objID>1</objID><vmxCfgPath>/vmfs/volumes/ds/bad/bad.vmx</vmxCfgPath></ConfigEntry>\n<ConfigEntry id="0001"><objID>2<');
    const r = await runCli(['triage', '--json', host], { env: { NODE_OPTIONS: '--max-old-space-size=48' }, timeoutMs: 120_000 });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const t = JSON.parse(r.stdout.toString());
    const bad = t.vms.find((v: any) => v.name === 'bad vm');
    expect(bad.identity).toMatchObject({ guestOS: 'other', memoryMiB: 256 });
    expect(bad.nics[0].networkName).toBe('LAN');
    expect(bad.problems).toEqual(['line 1: unbalanced quotes in the value of displayname', 'line 4: unbalanced quotes in the value of ethernet0.networkname', 'line 5: binary bytes, skipped', 'line 7: no "key = value": "this line has no equals sign"']);
    expect(bad.registered).toBe(true);
    expect(t.inventories[0].problems).toEqual(['<ConfigRoot> is not closed: the file is cut short or damaged; entries read up to the damage', 'ConfigEntry id 0001: no readable <vmxCfgPath>']);
    expect(bad.logs[0]).toMatchObject({ badTimes: 1, firstBadTimeLine: 1, first: '2023-01-01T00:00:00.000Z' });
    const big = t.vms.find((v: any) => v.name === 'big');
    expect(big.logs[0]).toMatchObject({ lines: 102401, first: '2023-01-01T00:00:00.000Z', last: '2023-01-02T00:00:00.000Z', size: 100 * 1024 * 1000 + lastLine.length });
    expect(big.logs[0].events.map((e: any) => e.kind)).toEqual(['power-off']);
    expect(t.problems.map((p: any) => p.problem)).toEqual(expect.arrayContaining(['line 5: binary bytes, skipped', '1 line(s) with a time that is not a real one (first: line 1)']));
    expect(readFileSync(path.join(host, 'bad', 'bad.vmx')).length).toBeGreaterThan(0);
  }, 120_000);

  it('a file that is neither folder, .vmx nor VMFS image: one line, exit 2', async () => {
    const f = path.join(dir, 'junk.bin');
    writeFileSync(f, Buffer.alloc(4 * MiB, 7));
    const r = await runCli(['triage', f]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vmfskit: .*not a folder, a \.vmx file or a LUN image/);
  });
});
