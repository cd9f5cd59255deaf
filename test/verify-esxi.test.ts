/**
 * `vmfskit verify` against untouched ESXi evidence: the sample LUN (GPT +
 * VMFS-5, a VM with two COWD snapshots, corpus/builders/sample-lun.ts), with
 * manifests the ways examiners make them — `sha256sum *` in the VM folder on
 * ESXi (file bytes, names plain or as /vmfs/volumes/<label|uuid>/VM/f),
 * hashdeep, `vmfskit hash` (a VMDK's virtual disk). Expected file bytes come
 * from the files the volume was built from (descriptors with the absolute
 * ESXi parent hints the builder writes), expected disk content from the
 * qemu-img sha256 recorded in corpus/MANIFEST; digests from node:crypto.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildDeltaVolume, type DeltaVolume } from '../corpus/builders/delta-vmfs.js';
import { readSection } from '../corpus/builders/manifest.js';
import { runCli } from './helpers/cli.js';
import { scratchCleaned } from './helpers/scratch.js';
import { sha256 } from './helpers/hash.js';

const section = readSection<DeltasSection>('deltas')!;
const scratch = scratchCleaned();
const flip = (h: string): string => (h[0] === 'f' ? 'e' : 'f') + h.slice(1);

let work: string;
let lun: string;
let vol: DeltaVolume;
/** File name → sha256 of its bytes in the volume's /VM folder (what sha256sum on ESXi prints). */
const bytes = new Map<string, string>();
const sizes = new Map<string, number>();
const files: string[] = [];
/** sha256 of each descriptor's disk (qemu-img, corpus/MANIFEST). */
const disk = (descriptor: string): string => section.states.find((s) => s.dir === 'VM' && s.descriptor === descriptor)!.sha256;
const UUID = () => vol.datastore.split('/').pop()!;

beforeAll(async () => {
  work = scratch('verify-esxi');
  const chains = path.join(work, 'chains');
  buildDeltaCorpus(chains);
  lun = path.join(work, 'lun.img');
  vol = await buildDeltaVolume(chains, lun);
  for (const f of readdirSync(path.join(chains, 'VM')).sort()) {
    let data = readFileSync(path.join(chains, 'VM', f));
    // On the datastore a snapshot descriptor names its parent by its ESXi path.
    if (/^VM-\d{6}\.vmdk$/.test(f)) data = Buffer.from(data.toString('utf8').replace(/^parentFileNameHint="([^"]+)"$/m, `parentFileNameHint="${vol.datastore}/VM/$1"`));
    bytes.set(f, sha256(data));
    sizes.set(f, data.length);
    files.push(f);
  }
  expect(files).toEqual([
    'VM-000001-delta.vmdk',
    'VM-000001.vmdk',
    'VM-000002-delta.vmdk',
    'VM-000002.vmdk',
    'VM-Snapshot1.vmem',
    'VM-Snapshot1.vmsn',
    'VM-Snapshot2.vmsn',
    'VM-flat.vmdk',
    'VM.vmdk',
    'VM.vmsd',
    'VM.vmx',
  ]);
});

function manifest(name: string, lines: string[]): string {
  const p = path.join(work, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

/** `sha256sum PREFIX*` as ESXi's busybox prints it. */
const esxiLines = (prefix = '', digest = (f: string) => bytes.get(f)!): string[] => files.map((f) => `${digest(f)}  ${prefix}${f}`);
const allOk = (prefix = ''): string => files.map((f) => `${prefix}${f}: OK\n`).join('');

describe('verify: sha256sum taken on ESXi (file bytes) against the LUN image', () => {
  it('plain names in the VM folder: every file OK, descriptors and deltas included; exit 0', async () => {
    const r = await runCli(['verify', '-m', manifest('esxi.sha256', esxiLines()), `${lun}::/VM`]);
    expect(r.stderr.toString()).toBe('');
    expect([r.code, r.stdout.toString()]).toEqual([0, allOk()]);
  });

  it('ESXi absolute names, by label and by uuid, from the volume root: mapped onto this volume', async () => {
    for (const prefix of ['/vmfs/volumes/deltas-ds/VM/', `/vmfs/volumes/${UUID()}/VM/`]) {
      const r = await runCli(['verify', '-m', manifest('esxi-abs.sha256', esxiLines(prefix)), lun]);
      expect(r.stderr.toString()).toBe('');
      expect([r.code, r.stdout.toString()]).toEqual([0, allOk(prefix)]);
    }
    // From a folder ROOT too: an ESXi name is absolute on its datastore, whatever folder is given.
    const r = await runCli(['verify', '-m', manifest('esxi-abs2.sha256', [`${bytes.get('VM.vmx')}  /vmfs/volumes/deltas-ds/VM/VM.vmx`]), `${lun}::/RDM`]);
    expect([r.code, r.stdout.toString()]).toEqual([0, '/vmfs/volumes/deltas-ds/VM/VM.vmx: OK\n']);
  });

  it("another datastore's names are MISSING and say so, never mapped by file name; --audit still finds this folder's files", async () => {
    const lines = [`${bytes.get('VM.vmx')}  /vmfs/volumes/datastore2/VM/VM.vmx`, `${bytes.get('VM.vmsd')}  /vmfs/volumes/deltas-ds/VM/VM.vmsd`];
    const m = manifest('other-ds.sha256', lines);
    const r = await runCli(['verify', '-m', m, `${lun}::/VM`, '--audit']);
    expect(r.code).toBe(1);
    expect(r.stdout.toString()).toBe(
      [
        '/vmfs/volumes/datastore2/VM/VM.vmx: MISSING',
        `  on datastore 'datastore2', not this volume (label 'deltas-ds', uuid ${UUID()})`,
        '/vmfs/volumes/deltas-ds/VM/VM.vmsd: OK',
        ...files.filter((f) => f !== 'VM.vmsd').map((f) => `${f}: NEW`),
        '',
      ].join('\n'),
    );
    expect(r.stderr.toString()).toBe(`vmfskit: WARNING: 0 FAILED, 1 MISSING, ${files.length - 1} NEW, 1 OK of ${files.length + 1} file(s)\n`);
    const j = JSON.parse((await runCli(['verify', '--json', '-m', m, lun])).stdout.toString());
    expect(j.files[0]).toEqual({
      name: '/vmfs/volumes/datastore2/VM/VM.vmx',
      status: 'MISSING',
      expected: { sha256: bytes.get('VM.vmx') },
      problem: `on datastore 'datastore2', not this volume (label 'deltas-ds', uuid ${UUID()})`,
    });
    expect(j.files[1]).toMatchObject({ status: 'OK', address: `${lun}::/VM/VM.vmsd`, content: 'file-bytes' });
  });

  it('one flipped hex digit: FAILED, and for a VMDK both its bytes and its disk were tried; exit 1', async () => {
    const lines = esxiLines();
    const flipped = new Set(['VM-000001.vmdk', 'VM-000001-delta.vmdk', 'VM.vmx']);
    const m = manifest('flipped.sha256', lines.map((l, i) => (flipped.has(files[i]!) ? flip(l) : l)));
    const r = await runCli(['verify', '-m', m, `${lun}::/VM`]);
    expect(r.code).toBe(1);
    const expected = files.flatMap((f) => {
      if (!flipped.has(f)) return [`${f}: OK`];
      const out = [`${f}: FAILED`, `  sha256 expected ${flip(bytes.get(f)!)}`];
      // A delta extent named on its own is a file, not a disk: its bytes are all there is to check.
      if (f === 'VM-000001.vmdk') out.push(`  sha256 computed ${bytes.get(f)} (file bytes)`, `  sha256 computed ${disk(f)} (virtual disk content)`);
      else out.push(`  sha256 computed ${bytes.get(f)}`);
      return out;
    });
    expect(r.stdout.toString()).toBe(expected.join('\n') + '\n');
    expect(r.stderr.toString()).toBe(`vmfskit: WARNING: 3 FAILED, 0 MISSING, 0 NEW, 8 OK of 11 file(s)\n`);
    const j = JSON.parse((await runCli(['verify', '--json', '-m', m, `${lun}::/VM`])).stdout.toString());
    expect(j.content).toBe('either');
    expect(j.files[1]).toEqual({
      name: 'VM-000001.vmdk',
      address: `${lun}::/VM/VM-000001.vmdk`,
      expected: { sha256: flip(bytes.get('VM-000001.vmdk')!) },
      status: 'FAILED',
      size: 357,
      computed: { sha256: bytes.get('VM-000001.vmdk') },
      tried: [
        { content: 'file-bytes', size: 357, computed: { sha256: bytes.get('VM-000001.vmdk') }, ok: false },
        { content: 'virtual-disk', size: 40 << 20, computed: { sha256: disk('VM-000001.vmdk') }, ok: false },
      ],
    });
  });

  it('--virtual checks only disks: the descriptors FAIL against file bytes, other files are still their bytes', async () => {
    const r = await runCli(['verify', '--virtual', '-m', manifest('esxi-v.sha256', esxiLines()), `${lun}::/VM`]);
    expect(r.code).toBe(1);
    const expected = files.flatMap((f) =>
      /^VM(-\d{6})?\.vmdk$/.test(f)
        ? [`${f}: FAILED`, `  sha256 expected ${bytes.get(f)}`, `  sha256 computed ${disk(f)} (virtual disk content)`]
        : [`${f}: OK`],
    );
    expect(r.stdout.toString()).toBe(expected.join('\n') + '\n');
  });

  it('--container and --virtual together: a usage error, exit 2, nothing hashed', async () => {
    const r = await runCli(['verify', '--container', '--virtual', '-m', manifest('both.sha256', esxiLines()), `${lun}::/VM`]);
    expect([r.code, r.stdout.toString()]).toEqual([2, '']);
    expect(r.stderr.toString()).toBe("vmfskit: Arguments virtual and container are mutually exclusive\nTry 'vmfskit --help'.\n");
  });

  it('hashdeep (size and digests of file bytes): OK; a line with the disk size and digest matches the disk', async () => {
    const rows = files.map((f) => `${sizes.get(f)},${bytes.get(f)},/vmfs/volumes/deltas-ds/VM/${f}`);
    rows.push(`${40 << 20},${disk('VM-000002.vmdk')},VM/VM-000002.vmdk`);
    const m = manifest('esxi.hashdeep', ['%%%% HASHDEEP-1.0', '%%%% size,sha256,filename', '## Invoked from: /vmfs/volumes/deltas-ds', '## $ hashdeep -c sha256 -r /vmfs/volumes/deltas-ds/VM', '## ', ...rows]);
    const r = await runCli(['verify', '-m', m, lun]);
    expect(r.stderr.toString()).toBe('');
    expect([r.code, r.stdout.toString()]).toEqual([0, allOk('/vmfs/volumes/deltas-ds/VM/') + 'VM/VM-000002.vmdk: OK (virtual disk content)\n']);
  });
});

describe('verify: lists made by vmfskit hash (virtual disks) and by sha256sum on an extracted copy', () => {
  it('vmfskit hash of every file in the folder verifies OK: descriptors as their disks, the rest as bytes; a flipped digit FAILS', async () => {
    const h = await runCli(['hash', '-a', 'sha256', ...files.map((f) => `lun.img::/VM/${f}`)], { cwd: work });
    expect(h.code).toBe(0);
    const list = h.stdout.toString();
    const isDisk = (f: string) => /^VM(-\d{6})?\.vmdk$/.test(f);
    expect(list).toBe(files.map((f) => `${isDisk(f) ? disk(f) : bytes.get(f)}  lun.img::/VM/${f}\n`).join(''));
    const m = manifest('vmfskit-hash.sha256', list.trimEnd().split('\n'));
    const r = await runCli(['verify', '-m', m], { cwd: '/' });
    expect(r.stderr.toString()).toBe('');
    expect([r.code, r.stdout.toString()]).toEqual([0, files.map((f) => `lun.img::/VM/${f}: OK${isDisk(f) ? ' (virtual disk content)' : ''}\n`).join('')]);

    // The same list against the LUN image named as the root: its addresses lead into that image;
    // an address into another image is MISSING, saying so.
    const rooted = await runCli(['verify', '-m', m, lun]);
    expect({ code: rooted.code, stderr: rooted.stderr.toString(), out: rooted.stdout.toString() }).toEqual({ code: 0, stderr: '', out: r.stdout.toString() });
    const other = manifest('vmfskit-hash-other.sha256', [list.trimEnd().split('\n')[0]!.replace('lun.img::', 'other.img::')]);
    const o = await runCli(['verify', '-m', other, lun]);
    expect([o.code, o.stdout.toString()]).toEqual([1, `other.img::/VM/${files[0]}: MISSING\n  in the image other.img, not ${lun}\n`]);

    const bad = manifest('vmfskit-hash-bad.sha256', list.trimEnd().split('\n').map((l) => (l.endsWith('/VM.vmdk') ? flip(l) : l)));
    const b = await runCli(['verify', '-m', bad]);
    expect(b.code).toBe(1);
    expect(b.stdout.toString()).toContain(
      `lun.img::/VM/VM.vmdk: FAILED\n  sha256 expected ${flip(disk('VM.vmdk'))}\n  sha256 computed ${bytes.get('VM.vmdk')} (file bytes)\n  sha256 computed ${disk('VM.vmdk')} (virtual disk content)\n`,
    );
    // --container keeps its meaning: files' bytes only, so the disks' digests no longer match.
    const c = await runCli(['verify', '--container', '-m', m]);
    expect(c.code).toBe(1);
    expect(c.stdout.toString()).toContain(`lun.img::/VM/VM.vmdk: FAILED\n  sha256 expected ${disk('VM.vmdk')}\n  sha256 computed ${bytes.get('VM.vmdk')}\n`);
  });

  it('real sha256sum in a copy extracted with vmfskit extract: verifies against the copy and against the LUN image', async () => {
    const out = path.join(work, 'extracted');
    mkdirSync(out);
    expect((await runCli(['extract', `${lun}::/VM`, out])).code).toBe(0);
    const s = spawnSync('sh', ['-c', 'sha256sum *'], { cwd: path.join(out, 'VM'), encoding: 'utf8' });
    expect(s.status).toBe(0);
    expect(s.stdout).toBe(esxiLines().join('\n') + '\n');
    const m = path.join(out, 'VM', 'SHA256SUMS');
    writeFileSync(m, s.stdout);
    for (const root of [[], [`${lun}::/VM`]]) {
      const r = await runCli(['verify', '-m', m, ...root]);
      expect(r.stderr.toString()).toBe('');
      expect([r.code, r.stdout.toString()]).toEqual([0, allOk()]);
    }
    // And a vmfskit hash list of the copy's descriptors: their disks, read from the copy.
    const h = await runCli(['hash', '-a', 'sha256', 'VM.vmdk', 'VM-000002.vmdk'], { cwd: path.join(out, 'VM') });
    expect(h.stdout.toString()).toBe(`${disk('VM.vmdk')}  VM.vmdk\n${disk('VM-000002.vmdk')}  VM-000002.vmdk\n`);
    const hm = path.join(out, 'VM', 'DISKS.sha256');
    writeFileSync(hm, h.stdout);
    const r = await runCli(['verify', '-m', hm]);
    expect([r.code, r.stdout.toString()]).toEqual([0, 'VM.vmdk: OK (virtual disk content)\nVM-000002.vmdk: OK (virtual disk content)\n']);
  });
});
