/**
 * Real FUSE mounts, read from SEPARATE processes (find, stat, sha256sum, dd):
 * the test process never touches a mount synchronously, and the serving
 * process never reads its own mount (fuse-native-notes §4).
 *
 * Expected values come from independent sources: the shared corpus README
 * (debugvmfs listing, file contents, image sha256), vmfs-tools' `df` figures
 * quoted in conventions.md, qemu-img's raw sha256s in corpus/MANIFEST, and the
 * host files themselves.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, readFileSync, writeFileSync, statSync, utimesSync, readdirSync, constants } from 'node:fs';
import path from 'node:path';
import { runCli, isOneLineError } from './helpers/cli.js';
import { SHARED_CORPUS, CORPUS, hasSharedCorpus, scratch } from './helpers/paths.js';
import { gunzipCached } from './helpers/gunzip-cache.js';
import { sha256, sha256File } from './helpers/hash.js';
import { runTool, runProcess } from './helpers/proc.js';
import { mountEntry, unmount, waitFor } from './helpers/fuse.js';
import { requireTools, FUSE, TSK } from './helpers/tools.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildDeltaCorpus, type DeltasSection } from '../corpus/builders/delta-chains.js';
import { buildSparse, pattern } from './vmdk-images.js';

/** Never execSync on a mount: a stuck read would hang the runner. latin1 keeps dd's binary output byte for byte. */
const sh = (cmd: string, args: string[], timeoutMs = 60_000) => runTool(cmd, args, { timeoutMs, encoding: 'latin1' });

async function mount(addr: string, mnt: string, extra: string[] = []): Promise<number> {
  mkdirSync(mnt, { recursive: true });
  // The daemon's log goes next to the mount point, not into the shared temp dir.
  const r = await runCli(['mount', '--log', `${mnt}.log`, ...extra, addr, mnt]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const pid = Number(/\(pid (\d+)/.exec(r.stdout.toString())?.[1]);
  expect(pid).toBeGreaterThan(0);
  expect(mountEntry(mnt)).toBeDefined();
  return pid;
}

async function sha256Of(file: string): Promise<string> {
  const r = await sha256sumAll([file]);
  return r[0]!;
}

/** sha256sum (coreutils) in one separate process: one digest per file, in order. */
async function sha256sumAll(files: string[]): Promise<string[]> {
  const r = await sh('sha256sum', files);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]!);
}


function times(file: string): { atimeMs: number; mtimeMs: number; ctimeMs: number; size: number } {
  const s = statSync(file);
  return { atimeMs: s.atimeMs, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, size: s.size };
}

describe.runIf(requireTools(...FUSE) && hasSharedCorpus())('mount of the real ESXi VMFS-5 image', () => {
  const mnt = path.join(scratch('fuse-vmfs5'), 'mnt');
  let image: string;
  let before: ReturnType<typeof times>;

  beforeAll(async () => {
    // A copy of its own: other test files read the shared cached image at the same time.
    image = await gunzipCached(path.join(SHARED_CORPUS, 'esxi-vmfs5-small.bin.gz'), 'fuse-mount-vmfs5.bin');
    // Old times make any access visible: relatime updates an atime that is not newer than mtime.
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(image, old, old);
    before = times(image);
    await mount(image, mnt);
  });
  afterAll(() => unmount(mnt));

  it('is mounted ro,noatime with default_permissions, type fuse.vmfskit, source = the image', () => {
    const line = mountEntry(mnt)!;
    const [pre, post] = line.split(' - ');
    const mountOpts = pre!.split(' ')[5]!.split(',');
    expect(mountOpts).toEqual(expect.arrayContaining(['ro', 'noatime', 'nosuid', 'nodev']));
    const [fstype, source, superOpts] = post!.split(' ');
    expect(fstype).toBe('fuse.vmfskit');
    expect(source).toBe(image);
    expect(superOpts!.split(',')).toEqual(expect.arrayContaining(['ro', 'default_permissions']));
    expect(superOpts!.split(',')).not.toContain('allow_other');
  });

  it('lists and stats every file exactly as `vmfskit ls -R -a --json` does', async () => {
    const ls = await runCli(['ls', '-R', '-a', '--json', `${image}::/`]);
    expect(ls.code).toBe(0);
    const entries = (JSON.parse(ls.stdout.toString()) as Array<Record<string, unknown>>).filter((e) => e.name !== '.' && e.name !== '..');
    const r = await sh('find', [mnt, '-mindepth', '1', '(', '-path', `${mnt}/.disks`, '-o', '-path', `${mnt}/.vmfskit-info.txt`, ')', '-prune', '-o', '-printf', '%P\t%m\t%y\t%n\t%U\t%G\t%s\t%A@\t%T@\t%C@\t%l\n']);
    expect(r.stderr).toBe('');
    const seen = new Map(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => {
          const f = l.split('\t');
          return ['/' + f[0], { perm: parseInt(f[1]!, 8), type: f[2], nlink: +f[3]!, uid: +f[4]!, gid: +f[5]!, size: +f[6]!, atime: Math.floor(+f[7]!), mtime: Math.floor(+f[8]!), ctime: Math.floor(+f[9]!), target: f[10] }];
        }),
    );
    expect([...seen.keys()].sort()).toEqual(entries.map((e) => e.path as string).sort());
    const typeLetter: Record<string, string> = { dir: 'd', file: 'f', system: 'f', symlink: 'l', rdm: 'f', other: 'f' };
    for (const e of entries) {
      expect({ path: e.path, ...seen.get(e.path as string) }).toEqual({
        path: e.path,
        perm: (e.mode as number) & 0o7777,
        type: typeLetter[e.type as string],
        nlink: e.nlink,
        uid: e.uid,
        gid: e.gid,
        size: e.size,
        atime: e.atime,
        mtime: e.mtime,
        ctime: e.ctime,
        target: e.type === 'symlink' ? 'file4' : '',
      });
    }
    // The README's debugvmfs listing, independently of our ls.
    expect(seen.get('/directory/file5')).toMatchObject({ size: 8193, mtime: Date.UTC(2021, 7, 11, 7, 38, 39) / 1000, perm: 0o644 });
  });

  it('file contents: file4 = "content\\n", file5 = 8192 × "a" + "\\n", empty files, symlink followed', async () => {
    const d = path.join(mnt, 'directory');
    const sums = await sha256sumAll(['file1', 'file4', 'file5', 'symlink'].map((f) => path.join(d, f)));
    expect(sums).toEqual([sha256(''), sha256('content\n'), sha256('a'.repeat(8192) + '\n'), sha256('content\n')]);
    expect((await sh('cat', [path.join(d, 'file4')])).stdout).toBe('content\n');
  });

  it('statfs gives the volume block size and block counts (as vmfs-fuse / debugvmfs df)', async () => {
    const r = await sh('stat', ['-f', '-c', '%S %b %f', mnt]);
    expect(r.stdout.trim()).toBe('1048576 256 241');
  });

  it('has an info file naming the source and the volume, and an empty .disks for a volume without VMs', async () => {
    const info = (await sh('cat', [path.join(mnt, '.vmfskit-info.txt')])).stdout;
    expect(info).toContain(`source:      ${image}`);
    expect(info).toContain('label: VMFS5 Test');
    expect(info).toContain('uuid: 61137dd5-df6bc2c8-f0e7-000c29801686');
    const r = await sh('ls', ['-A', path.join(mnt, '.disks')]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses every change with EROFS', async () => {
    const f = path.join(mnt, 'directory', 'file4');
    const attempts: Array<[string, string[]]> = [
      ['touch', [path.join(mnt, 'new')]],
      ['touch', [f]],
      ['mkdir', [path.join(mnt, 'dir2')]],
      ['rm', ['-f', f]],
      ['chmod', ['777', f]],
      ['mv', [f, path.join(mnt, 'moved')]],
      ['ln', ['-s', 'x', path.join(mnt, 'lnk')]],
      ['sh', ['-c', `echo x > ${f}`]],
      ['sh', ['-c', `echo x >> ${f}`]],
      ['truncate', ['-s', '0', f]],
    ];
    for (const [cmd, args] of attempts) {
      const r = await sh(cmd, args);
      expect({ cmd, args, code: r.code === 0 ? 0 : 'failed', erofs: /Read-only file system/.test(r.stderr) }).toEqual({ cmd, args, code: 'failed', erofs: true });
    }
    expect(await sha256Of(f)).toBe(sha256('content\n'));
  });

  it('umount removes the mount, the daemon exits, and the image is byte- and timestamp-identical', async () => {
    const r = await runCli(['umount', mnt]);
    expect(r.code).toBe(0);
    expect(mountEntry(mnt)).toBeUndefined();
    expect(times(image)).toEqual(before);
    expect(await sha256File(image)).toBe('6c915c33381708b4057206a8ef8cc6c745a96ecb37546a984bae3ba3811b4153');
  });
});

describe.runIf(requireTools(...FUSE))('mount of a host VMDK snapshot chain (COWD deltas on a flat base)', () => {
  const section = readSection<DeltasSection>('deltas')!;
  const root = scratch('fuse-chain');
  const mnt = path.join(root, 'mnt');
  const vmDir = path.join(root, 'chains', 'VM');
  const OLD = new Date('2020-01-01T00:00:00Z');
  const state = (id: string) => section.states.find((s) => s.id === id)!;
  let pid: number;
  let before: Record<string, ReturnType<typeof times>>;

  beforeAll(async () => {
    buildDeltaCorpus(path.join(root, 'chains'));
    // Old timestamps make any access-time update visible (relatime would update an atime older than a day).
    before = {};
    for (const f of readdirSync(vmDir)) {
      utimesSync(path.join(vmDir, f), OLD, OLD);
      before[f] = times(path.join(vmDir, f));
    }
    pid = await mount(path.join(vmDir, 'VM-000002.vmdk'), mnt);
  });
  afterAll(() => unmount(mnt));

  // Names from VM.vmsd: snapshot "Before update" is VM.vmdk, "After update" VM-000001.vmdk; VM-000002.vmdk is current.
  const CURRENT = 'VM.raw';
  const AFTER = 'VM@After-update.raw';
  const BEFORE = 'VM@Before-update.raw';

  it('shows one raw view per chain state, named after the snapshots in the .vmsd', async () => {
    const r = await sh('ls', ['-A', mnt]);
    expect(r.stdout.trim().split('\n')).toEqual(['.vmfskit-info.txt', CURRENT, AFTER, BEFORE]);
    const st = await sh('stat', ['-c', '%s %a %F', path.join(mnt, CURRENT)]);
    expect(st.stdout.trim()).toBe(`${state('VM@2').virtualSize} 444 regular file`);
  });

  it("each view's sha256 equals qemu-img's raw sha256 of that state (corpus/MANIFEST)", async () => {
    const sums = await sha256sumAll([CURRENT, AFTER, BEFORE].map((f) => path.join(mnt, f)));
    expect(sums).toEqual([state('VM@2').sha256, state('VM@1').sha256, state('VM@0').sha256]);
  });

  it('8 parallel readers at different files and offsets get exact bytes', async () => {
    const flat = path.join(vmDir, 'VM-flat.vmdk');
    // O_NOATIME: the test's own read of the evidence must not change its access time either.
    const fd = openSync(flat, constants.O_RDONLY | constants.O_NOATIME);
    const jobs: Array<Promise<void>> = [];
    try {
      // Six readers of the base state at scattered, unaligned offsets: the flat extent is that state's raw form.
      for (let i = 0; i < 6; i++) {
        const offset = i * 6_553_577 + 4097 * i;
        const length = 300_000 + i * 77_777;
        const want = Buffer.alloc(length);
        readSync(fd, want, 0, length, offset);
        jobs.push(
          sh('dd', [`if=${path.join(mnt, BEFORE)}`, 'iflag=skip_bytes,count_bytes', `skip=${offset}`, `count=${length}`, 'bs=64k', 'status=none']).then((r) => {
            expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
            expect(sha256(Buffer.from(r.stdout, 'latin1'))).toBe(sha256(want));
          }),
        );
      }
      // Two more readers of whole other states at the same time.
      jobs.push(sha256Of(path.join(mnt, CURRENT)).then((h) => expect(h).toBe(state('VM@2').sha256)));
      jobs.push(sha256Of(path.join(mnt, AFTER)).then((h) => expect(h).toBe(state('VM@1').sha256)));
      await Promise.all(jobs);
    } finally {
      closeSync(fd);
    }
  });

  it('info file lists the chain with CIDs', async () => {
    const info = (await sh('cat', [path.join(mnt, '.vmfskit-info.txt')])).stdout;
    expect(info).toContain('source type: VMDK');
    expect(info).toMatch(/layer 0: \S*VM-000002\.vmdk \(vmfsSparse\) CID 0x[0-9a-f]{8} parentCID 0x[0-9a-f]{8}/);
    expect(info).toMatch(/layer 2: \S*VM\.vmdk \(vmfs\) CID 0x[0-9a-f]{8} parentCID 0xffffffff/);
  });

  it('after SIGKILL of the daemon, mounting again at the same point works', async () => {
    process.kill(pid, 'SIGKILL');
    // auto_unmount's fusermount watchdog removes the dead mount; if it did not, the next mount cleans it.
    await waitFor(() => !mountEntry(mnt), 5000);
    pid = await mount(path.join(vmDir, 'VM-000002.vmdk'), mnt);
    expect(await sha256Of(path.join(mnt, BEFORE))).toBe(state('VM@0').sha256);
  });

  it('a dead mount without its auto_unmount watchdog (stale, ENOTCONN) is cleaned by the next mount, with a message', async () => {
    const watchdog = spawnSync('pgrep', ['-f', `fusermount -o .*auto_unmount.* -- ${mnt}$`]).stdout.toString().trim().split('\n').filter(Boolean);
    expect(watchdog).toHaveLength(1);
    process.kill(Number(watchdog[0]), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    process.kill(pid, 'SIGKILL');
    expect(await waitFor(() => !existsSync(`/proc/${pid}`), 5000)).toBe(true);
    const stat = await sh('stat', [mnt]);
    expect(stat.stderr).toMatch(/Transport endpoint is not connected/);
    const r = await runCli(['mount', '--log', `${mnt}.log`, path.join(vmDir, 'VM-000002.vmdk'), mnt]);
    expect(r.stderr).toBe(`vmfskit: ${mnt}: removed a dead mount left by a process that ended without unmounting (Transport endpoint is not connected)\n`);
    expect(r.code).toBe(0);
    pid = Number(/\(pid (\d+)/.exec(r.stdout.toString())![1]);
    expect(await sha256Of(path.join(mnt, BEFORE))).toBe(state('VM@0').sha256);
  });

  it('a second mount on a live mount point is refused with one line; umount of a non-mount too', async () => {
    const again = await runCli(['mount', '--log', `${mnt}.log`, path.join(vmDir, 'VM.vmdk'), mnt]);
    expect(again.code).toBe(2);
    expect(isOneLineError(again.stderr)).toBe(true);
    expect(again.stderr).toContain('already a mount point');
    const notMounted = await runCli(['umount', root]);
    expect(notMounted.code).toBe(2);
    expect(notMounted.stderr).toBe(`vmfskit: ${root}: not a mount point\n`);
  });

  it('umount ends the daemon; the evidence files are byte- and timestamp-identical', async () => {
    expect((await runCli(['umount', mnt])).code).toBe(0);
    expect(mountEntry(mnt)).toBeUndefined();
    expect(await waitFor(() => !existsSync(`/proc/${pid}`), 5000)).toBe(true);
    for (const f of Object.keys(before)) expect({ f, ...times(path.join(vmDir, f)) }).toEqual({ f, ...before[f] });
    const want = section.files.filter((f) => f.path.startsWith('VM/'));
    for (const f of want) expect({ f: f.path, sha: await sha256File(path.join(root, 'chains', f.path)) }).toEqual({ f: f.path, sha: f.sha256 });
  });
});

describe.runIf(requireTools(...FUSE))('mount errors and foreground life cycle', () => {
  const root = scratch('fuse-life');
  const mnt = path.join(root, 'mnt');
  const raw = path.join(root, 'disk.bin');

  beforeAll(() => {
    mkdirSync(mnt, { recursive: true });
    const buf = Buffer.alloc(3 << 20);
    for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(i * 2654435761 >>> 0, i);
    writeFileSync(raw, buf);
  });
  afterAll(() => unmount(mnt));

  it('a missing image or mount point is one line and exit 2, nothing mounted', async () => {
    const a = await runCli(['mount', '--log', `${mnt}.log`, path.join(root, 'nope.vmdk'), mnt]);
    expect(a.code).toBe(2);
    expect(isOneLineError(a.stderr)).toBe(true);
    expect(a.stderr).toContain('nope.vmdk');
    const b = await runCli(['mount', '--log', `${mnt}.log`, raw, path.join(root, 'no-such-dir')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`vmfskit: ${path.join(root, 'no-such-dir')}: mount point does not exist\n`);
    expect(mountEntry(mnt)).toBeUndefined();
  });

  it('without libfuse2 the mount says which packages to install, in one line, and mounts nothing', async () => {
    // Stands in for the addon: the dynamic loader's error when libfuse.so.2 is absent (fuse-native-notes §2).
    const fake = path.join(root, 'no-libfuse.cjs');
    writeFileSync(fake, "throw Object.assign(new Error('libfuse.so.2: cannot open shared object file: No such file or directory'), { code: 'ERR_DLOPEN_FAILED' });\n");
    for (const extra of [[], ['--foreground']]) {
      const r = await runCli(['mount', ...extra, raw, mnt], { env: { VMFSKIT_FUSE_MODULE: fake } });
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 2,
        stderr: "vmfskit: libfuse.so.2 is not installed: install the Debian packages 'fuse libfuse2' (Ubuntu 24.04: 'fuse libfuse2t64')\n",
      });
    }
    expect(mountEntry(mnt)).toBeUndefined();
  });

  it('--uid, --gid and --umask change what stat shows (like FUSE uid=/gid=/umask=), not the data', async () => {
    await mount(raw, mnt, ['--uid', '1234', '--gid', '55', '--umask', '077']);
    const st = await sh('stat', ['-c', '%u %g %a %s', path.join(mnt, 'disk.bin')]);
    expect(st.stdout.trim()).toBe(`1234 55 400 ${3 << 20}`);
    expect(await sha256Of(path.join(mnt, 'disk.bin'))).toBe(sha256(readFileSync(raw)));
    expect((await runCli(['umount', mnt])).code).toBe(0);
    const bad = await runCli(['mount', '--umask', '999', raw, mnt]);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: 'vmfskit: --umask must be octal, e.g. 027\n' });
  });

  it('--json prints the mount point, the daemon pid, its log and the mount options', async () => {
    const r = await runCli(['mount', '--json', '--log', `${mnt}.log`, raw, mnt]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.toString()) as { mountpoint: string; pid: number; log: string; options: string };
    expect(j).toMatchObject({ mountpoint: mnt, log: `${mnt}.log` });
    expect(existsSync(`/proc/${j.pid}`)).toBe(true);
    expect(j.options.split(',')).toEqual(expect.arrayContaining(['ro', 'noatime', 'default_permissions', 'auto_unmount', `fsname=${raw}`, 'subtype=vmfskit']));
    expect((await runCli(['umount', mnt])).code).toBe(0);
    expect(await waitFor(() => !existsSync(`/proc/${j.pid}`), 5000)).toBe(true);
  });

  it('a damaged grain table: that range reads EIO, the rest reads exact, the daemon stays up and logs why', async () => {
    const G = 128 * 512;
    const img = buildSparse({ name: 'bad.vmdk', grains: new Map([[0, pattern(1, G)], [2, pattern(2, G)]]) });
    img.file.writeUInt32LE(0x7fffff00, img.gteAt(2)); // grain 2 points far past the end of the file
    const bad = path.join(root, 'bad.vmdk');
    writeFileSync(bad, img.file);
    const log = `${mnt}.log`; // where mount() sends the daemon's log
    const pid = await mount(bad, mnt);
    const fd = openSync(path.join(mnt, 'bad.raw'), 'r');
    try {
      const b = Buffer.alloc(G);
      expect(readSync(fd, b, 0, G, 0)).toBe(G);
      expect(b.equals(pattern(1, G))).toBe(true);
      expect(() => readSync(fd, Buffer.alloc(G), 0, G, 2 * G)).toThrow(expect.objectContaining({ code: 'EIO' }));
      // Still serving: grain 0 again, past the page cache (a different offset into it).
      expect(readSync(fd, b, 0, 4096, 4096)).toBe(4096);
      expect(b.subarray(0, 4096).equals(pattern(1, G).subarray(4096, 8192))).toBe(true);
    } finally {
      closeSync(fd);
    }
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/grain table 0 entry 2/);
    expect((await runCli(['umount', mnt])).code).toBe(0);
  });

  it('--foreground serves until SIGTERM, then unmounts and exits 143', async () => {
    const child = spawn(process.execPath, [path.join(CORPUS, '..', 'bin', 'vmfskit'), 'mount', '--foreground', raw, mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(await waitFor(() => err.includes('is mounted read-only'), 20_000)).toBe(true);
    expect(await sha256Of(path.join(mnt, 'disk.bin'))).toBe(sha256(readFileSync(raw)));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(mountEntry(mnt)).toBeUndefined();
  });
});

describe.runIf(requireTools(...FUSE))('the FUSE bindings: our own chunk-cached one by default, fuse-native as the fallback', () => {
  const root = scratch('fuse-bindings');
  const mnt = path.join(root, 'mnt');
  // Not a multiple of the 1 MiB chunk or of a page: the last chunk is short and ends mid-page.
  const size = (5 << 20) + 4321;
  const raw = path.join(root, 'odd.bin');
  const data = Buffer.concat([pattern(7, 3 << 20), Buffer.alloc(1 << 20), pattern(8, (1 << 20) + 4324).subarray(0, size - (4 << 20))]);

  beforeAll(() => {
    mkdirSync(mnt, { recursive: true });
    writeFileSync(raw, data);
  });
  afterAll(() => unmount(mnt));

  for (const [name, env, logged] of [
    ['vmfskit', {}, /FUSE binding: vmfskit \(libfuse2/],
    ['fuse-native', { VMFSKIT_FUSE_MODULE: 'fuse-native' }, /FUSE binding: fuse-native\)/],
  ] as const) {
    it(`${name}: sequential, tail and scattered reads are exact; the log names the binding`, async () => {
      const log = path.join(root, `${name}.log`);
      const r = await runCli(['mount', '--log', log, raw, mnt], { env });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(readFileSync(log, 'utf8')).toMatch(logged);
      const view = path.join(mnt, 'odd.bin');
      expect(await sha256Of(view)).toBe(sha256(data));
      // Odd block sizes cross chunk boundaries and end inside the short last chunk.
      const dd = await runProcess('dd', [`if=${view}`, 'bs=777777', 'iflag=nocache', 'status=none'], { timeoutMs: 60_000 });
      expect({ code: dd.code, stderr: dd.stderr }).toEqual({ code: 0, stderr: '' });
      expect(sha256(dd.stdout)).toBe(sha256(data));
      // Backwards, page-sized reads from another process: each is a fresh request, not a sequential one.
      const fd = openSync(view, 'r');
      try {
        for (const at of [size - 100, (4 << 20) + 5, (3 << 20) - 3, 12345, 0]) {
          const b = Buffer.alloc(4096);
          const n = readSync(fd, b, 0, 4096, at);
          expect(n).toBe(Math.min(4096, size - at));
          expect(b.subarray(0, n).equals(data.subarray(at, at + n))).toBe(true);
        }
      } finally {
        closeSync(fd);
      }
      expect((await runCli(['umount', mnt])).code).toBe(0);
    });
  }
});

describe.runIf(requireTools(...FUSE) && process.getuid?.() === 0)('a damaged chunk in the middle of a view', () => {
  const root = scratch('fuse-damaged-middle');
  const mnt = path.join(root, 'mnt');
  afterAll(() => unmount(mnt));

  it('a whole-file read fails with EIO, never a short file: the size stays, the bytes before it read exact', async () => {
    // 12 MiB of 64 KiB grains; the grain at 4 MiB (the first of the second 4 MiB chunk) points past the end.
    const G = 128 * 512;
    const grains = new Map<number, Buffer>();
    for (let g = 0; g < 192; g++) grains.set(g, pattern(1000 + g, G));
    const img = buildSparse({ name: 'mid.vmdk', capacity: 192 * 128, gtes: 512, grains });
    img.file.writeUInt32LE(0x7fffff00, img.gteAt(64));
    mkdirSync(mnt, { recursive: true });
    writeFileSync(path.join(root, 'mid.vmdk'), img.file);
    const r = await runCli(['mount', '--log', path.join(root, 'mount.log'), path.join(root, 'mid.vmdk'), mnt]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The smallest readahead (an unprivileged mount's): kernel requests then straddle the chunk edge.
    const dev = mountEntry(mnt)!.split(' ')[2]!;
    writeFileSync(`/sys/class/bdi/${dev}/read_ahead_kb`, '128\n');
    const view = path.join(mnt, 'mid.raw');
    const sum = await runProcess('sha256sum', [view], { timeoutMs: 60_000 });
    expect({ code: sum.code, stderr: sum.stderr }).toEqual({ code: 1, stderr: `sha256sum: ${view}: Input/output error\n` });
    const st = await sh('stat', ['-c', '%s', view]);
    expect(st.stdout.trim()).toBe(String(192 * G));
    const head = await runProcess('head', ['-c', String(64 * G), view], { timeoutMs: 60_000 });
    expect(head.code).toBe(0);
    expect(sha256(head.stdout)).toBe(sha256(Buffer.concat([...grains.values()].slice(0, 64))));
    expect((await runCli(['umount', mnt])).code).toBe(0);
  });
});

describe.runIf(requireTools(...FUSE))('TSK on a raw view of a partitioned disk (corpus/tsk)', () => {
  const section = readSection<{ cases: Record<string, { entry: string; sha256: string }>; mmls: { partitions: Array<{ slot: string; start: number; end: number; length: number; description: string }> }; fls: Record<string, string[]> }>('tsk');
  const root = scratch('fuse-tsk');
  const mnt = path.join(root, 'mnt');
  const haveTsk = requireTools(...TSK);

  beforeAll(async () => {
    expect(spawnSync('tar', ['xzf', path.join(CORPUS, 'tsk', 'tsk.tar.gz'), '-C', root]).status).toBe(0);
    await mount(path.join(root, 'tsk-stream.vmdk'), mnt);
  });
  afterAll(() => unmount(mnt));

  it('the raw view of the stream-optimized disk has qemu-img sha256', async () => {
    expect(await sha256Of(path.join(mnt, 'tsk-stream.raw'))).toBe(section!.cases.stream!.sha256);
  });

  // mmls/fls are oracle tools: CI installs them and fails without them; elsewhere this check is reported as skipped.
  it.runIf(haveTsk)('mmls and fls read the partitions and files through the mount', async () => {
    const view = path.join(mnt, 'tsk-stream.raw');
    const m = await sh('mmls', [view]);
    expect(m.code).toBe(0);
    for (const p of section!.mmls.partitions) {
      expect(m.stdout).toMatch(new RegExp(`${p.slot.replace(/[-:]/g, '\\$&')}\\s+0*${p.start}\\s+0*${p.end}\\s+0*${p.length}\\s+${p.description.replace(/[()]/g, '\\$&')}`));
    }
    for (const [offset, want] of Object.entries(section!.fls)) {
      const f = await sh('fls', ['-r', '-p', '-o', offset, view]);
      expect(f.code).toBe(0);
      const got = f.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/^(\S+)\s+(?:\* )?[\d-]+(?:\([^)]*\))?:\s+/, '$1 '));
      expect(got).toEqual(want);
    }
  });
});
