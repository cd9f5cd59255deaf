/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * `vmfskit timeline`: the bodyfile of the built datastore and of the real
 * ESXi VMFS-5 sample against what debugvmfs (`ls -l`) and vmfs-fuse (`stat`
 * through the kernel) said about every file (corpus/MANIFEST "timeline",
 * recorded by corpus/builders/timeline-oracle.ts, re-checked live by
 * corpus/oracles/timeline.sh); `mactime -b` reads it; the Timesketch CSV and
 * JSONL rows; a host folder against find -printf.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { hasSharedCorpus, scratch, SHARED_CORPUS } from './helpers/paths.js';
import { runCli } from './helpers/cli.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { requireTools } from './helpers/tools.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';
import { datastoreSpec } from '../corpus/builders/vmfs5/datastore.js';
import { readSection } from '../corpus/builders/manifest.js';
import type { TimelineSection } from '../corpus/builders/timeline-oracle.js';

const section = readSection<TimelineSection>('timeline')!;
let dir: string;
const images: Record<string, string> = {};

/** The one thing --events on the datastore cannot read: kiosk's log line with an impossible time (datastore.ts). */
const KIOSK_WARNING = (img: string) => `vmfskit: warning: ${img}::/kiosk/vmware.log: 1 line(s) with a time that is not a real one (first: line 4)\n`;

async function out(args: string[], stderr = ''): Promise<string> {
  const r = await runCli(args);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr });
  return r.stdout.toString();
}

function parseBody(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split('|');
    expect(f, line).toHaveLength(11);
    m.set(f[1]!, f);
  }
  return m;
}

beforeAll(async () => {
  dir = scratch('timeline');
  images['vmfs5-datastore.img'] = (await buildVmfs5(datastoreSpec(), path.join(dir, 'vmfs5-datastore.img'))).images[0]!.path;
  if (hasSharedCorpus()) images['esxi-vmfs5-small.bin'] = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'));
}, 120_000);

describe('bodyfile against debugvmfs and vmfs-fuse (MANIFEST "timeline")', () => {
  for (const name of ['vmfs5-datastore.img', 'esxi-vmfs5-small.bin']) {
    it(`${name}: one line per file; sizes and times equal the oracles'`, async () => {
      if (!images[name]) return expect(hasSharedCorpus()).toBe(false);
      const rec = section.images[name]!;
      const body = parseBody(await out(['timeline', '--prefix', '/mnt/ds', images[name]!]));
      expect(body.size).toBe(rec.files.length);
      for (const f of rec.files) {
        const l = body.get(`/mnt/ds${f.path}`);
        expect(l, f.path).toBeDefined();
        const [md5, , inode, mode, , , size, atime, mtime, ctime, crtime] = l!;
        expect(md5).toBe('0');
        expect(Number(inode)).toBeGreaterThan(0);
        expect(mode).toMatch(/^[rdl]\/[rdl][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$/);
        expect(Number(size), f.path).toBe(f.size);
        // debugvmfs ls -l prints the FD's ctime (test/vmfs-real.test.ts); vmfs-fuse stats all three.
        expect(Number(ctime), f.path).toBe(f.debugvmfs);
        expect([Number(atime), Number(mtime), Number(ctime)], f.path).toEqual(f.fuse);
        expect(crtime).toBe('0');
      }
    });
  }

  it('the default prefix is /vmfs/volumes/<label>; modes read like fls -m', async () => {
    const body = parseBody(await out(['timeline', images['vmfs5-datastore.img']!]));
    expect(body.get('/vmfs/volumes/datastore1/web01/web01.vmx')![3]).toBe('r/rrwxr-xr-x');
    expect(body.get('/vmfs/volumes/datastore1/web01')![3]).toBe('d/drwxr-xr-x');
    expect(body.get('/vmfs/volumes/datastore1/.fbb.sf')![3]).toBe('r/rr--------');
  });
});

describe.runIf(requireTools('mactime'))('mactime reads it', () => {
  it('mactime -b -d -y: every file and event appears, with its time', async () => {
    const bodyText = await out(['timeline', '--events', images['vmfs5-datastore.img']!], KIOSK_WARNING(images['vmfs5-datastore.img']!));
    const bodyFile = path.join(dir, 'body.txt');
    writeFileSync(bodyFile, bodyText);
    const r = spawnSync('mactime', ['-b', bodyFile, '-d', '-y'], { env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('Date,Size,Type,Mode,UID,GID,Meta,File Name');
    // mactime quotes the name; a 0 time (crtime: VMFS has none) is listed as 0000-00-00 with "b", as for fls -m output.
    const vmx = rows.filter((x) => x.endsWith(',"/vmfs/volumes/datastore1/web01/web01.vmx"'));
    expect(vmx.filter((x) => x.startsWith('0000-00-00T00:00:00Z,')).map((x) => x.split(',')[2])).toEqual(['...b']);
    // atime = mtime = ctime on the built volume: one row "mac."
    vmx.splice(vmx.findIndex((x) => x.startsWith('0000')), 1);
    expect(vmx).toHaveLength(1);
    expect(vmx[0]!.startsWith('2023-11-17T23:03:21Z,')).toBe(true);
    expect(vmx[0]!.split(',')[2]).toBe('mac.');
    const cmd = rows.find((x) => x.includes('[shell-command] [root] esxcli system settings encryption get'));
    expect(cmd).toMatch(/^2023-11-17T23:02:50Z,0,macb,/);
    expect(rows.filter((x) => x.includes('[shell-command]')).every((x) => !x.startsWith('0000'))).toBe(true);
    const names = new Set(rows.slice(1).map((x) => x.split(',').slice(7).join(',').replace(/^"|"$/g, '')));
    for (const f of section.images['vmfs5-datastore.img']!.files) expect(names.has(`/vmfs/volumes/datastore1${f.path}`), f.path).toBe(true);
  });
});

describe('Timesketch CSV and JSONL', () => {
  it('one row per timestamp with datetime, timestamp_desc, message; events with --events', async () => {
    const jsonl = (await out(['timeline', '--format', 'jsonl', '--events', images['vmfs5-datastore.img']!], KIOSK_WARNING(images['vmfs5-datastore.img']!))).trim().split('\n').map((l) => JSON.parse(l));
    const files = section.images['vmfs5-datastore.img']!.files;
    const fileRows = jsonl.filter((r) => r.data_type === 'fs:stat');
    expect(fileRows.length).toBe(files.reduce((n, f) => n + f.fuse.filter((t) => t > 0).length, 0));
    for (const r of jsonl) {
      expect(typeof r.message).toBe('string');
      expect(r.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof r.timestamp_desc).toBe('string');
    }
    const vmx = fileRows.filter((r) => r.filename === '/vmfs/volumes/datastore1/web01/web01.vmx');
    expect(vmx.map((r) => [r.timestamp_desc, r.datetime])).toEqual([
      ['Modification Time', '2023-11-17T23:03:21.000Z'],
      ['Last Access Time', '2023-11-17T23:03:21.000Z'],
      ['Metadata Modification Time', '2023-11-17T23:03:21.000Z'],
    ]);
    const ev = jsonl.filter((r) => r.data_type === 'vmware:log');
    expect(ev.find((r) => r.timestamp_desc === 'Log: snapshot-create' && r.message === 'before-patch')).toMatchObject({ datetime: '2023-11-17T23:03:20.666Z', filename: '/vmfs/volumes/datastore1/web01/vmware.log' });
    expect(ev.filter((r) => r.timestamp_desc === 'Log: shell-command')).toHaveLength(6);
    const csv = (await out(['timeline', '--format', 'csv', images['vmfs5-datastore.img']!])).trim().split('\n');
    expect(csv[0]).toBe('datetime,timestamp_desc,message,filename,inode,size,mode,line,data_type,source');
    expect(csv.length - 1).toBe(fileRows.length);
  });
});

describe('a host folder', () => {
  it('bodyfile fields equal find -printf (inode, size, atime, mtime, ctime); names with | are escaped', async () => {
    const host = path.join(dir, 'host');
    mkdirSync(path.join(host, 'vm'), { recursive: true });
    writeFileSync(path.join(host, 'vm', 'a.vmx'), 'displayName = "a"\n');
    writeFileSync(path.join(host, 'vm', 'odd|name.log'), 'x\n');
    symlinkSync('a.vmx', path.join(host, 'vm', 'link'));
    utimesSync(path.join(host, 'vm', 'a.vmx'), 1600000000, 1600000100);
    const body = parseBody(await out(['timeline', '--prefix', '/evidence', host]));
    const find = spawnSync('find', [host, '-mindepth', '1', '-printf', '%P\t%i\t%s\t%A@\t%T@\t%C@\n'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(body.size).toBe(find.length);
    for (const line of find) {
      const [p, ino, size, a, m, c] = line.split('\t');
      const l = body.get(`/evidence/${p!.replace('|', '%7C')}`);
      expect(l, p).toBeDefined();
      expect([l![2], l![6], l![7], l![8], l![9]].map(Number)).toEqual([Number(ino), Number(size), Math.floor(Number(a)), Math.floor(Number(m)), Math.floor(Number(c))]);
    }
    expect(body.get('/evidence/vm/a.vmx')![8]).toBe('1600000100');
    expect(body.get('/evidence/vm/link')![3]).toBe('l/lrwxrwxrwx');
  });
});

describe.runIf(hasSharedCorpus())('freespace on the real ESXi VMFS-5 sample', () => {
  it('241 free blocks of 1 MiB, as debugvmfs df says (conventions.md); nothing VMware-shaped in them', async () => {
    const j = JSON.parse(await out(['freespace', '--json', '--scan', images['esxi-vmfs5-small.bin']!]));
    expect([j.blocks, j.freeBlocks, j.viewSize]).toEqual([256, 241, 241 << 20]);
    expect(j.artefacts).toEqual([]);
  });
});
