/**
 * The built VMFS-5 volumes through a real mount: every file's bytes, size,
 * mtime and link count as corpus/MANIFEST ("vmfs") recorded them after
 * debugvmfs read the same volumes (every addressing mode, holes, TBZ,
 * symlinks, an RDM with no data), read from separate processes; and the
 * spanned volume with its second LUN given by --extent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { runProcess } from './helpers/proc.js';
import { mountEntry, unmount } from './helpers/fuse.js';
import { requireTools, FUSE } from './helpers/tools.js';
import { readSection } from '../corpus/builders/manifest.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';
import { corpusVolumes } from '../corpus/builders/vmfs5/volumes.js';
import type { Entry, VmfsSection } from '../corpus/builders/vmfs5/corpus-build.js';

const section = readSection<VmfsSection>('vmfs')!;

async function tool(cmd: string, args: string[]): Promise<string> {
  const r = await runProcess(cmd, args, { timeoutMs: 120_000 });
  expect({ cmd, code: r.code, stderr: r.stderr }).toEqual({ cmd, code: 0, stderr: '' });
  return r.stdout.toString();
}

for (const name of ['vmfs5-vm.img', 'vmfs5-spanned.img']) {
  describe.runIf(requireTools(...FUSE))(`mount of the built volume ${name}`, () => {
    const root = scratch(`fuse-${name}`);
    const mnt = path.join(root, 'mnt');
    const rec = section.volumes[name]!;
    const at = (e: Entry) => path.join(mnt, e.path);

    beforeAll(async () => {
      const v = corpusVolumes().find((x) => x.name === name)!;
      const built = await buildVmfs5(v.spec, path.join(root, name));
      // Same bytes as the volume debugvmfs checked.
      expect(built.images.map((i) => i.sha256)).toEqual(rec.images.map((i) => i.sha256));
      mkdirSync(mnt);
      const [lun, ...more] = built.images.map((i) => i.path);
      const r = await runCli(['mount', '--log', path.join(root, 'mount.log'), ...more.flatMap((x) => ['--extent', x]), lun!, mnt]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }, 180_000);
    afterAll(async () => {
      await runCli(['umount', mnt]);
      await unmount(mnt);
      rmSync(root, { recursive: true, force: true });
    });

    it('every file and followed link reads as the recorded sha256 (sha256sum in one separate process)', async () => {
      // Only links debugvmfs followed: one to /vmfs/volumes/... points outside the mount, a dangling one nowhere;
      // their target text is checked below instead.
      const whole = rec.entries.filter((e) => e.sha256 !== null && (e.type === 'file' || (e.type === 'symlink' && e.debugvmfs.cat === 'same (link followed)')));
      expect(whole.length).toBeGreaterThanOrEqual(name === 'vmfs5-vm.img' ? 90 : 3);
      // A link's own record hashes its target text; followed, it reads as its target's content.
      const byPath = new Map(rec.entries.map((e) => [e.path, e]));
      const content = (e: Entry) => (e.type === 'symlink' ? byPath.get(path.posix.resolve(path.posix.dirname(e.path), e.symlinkTarget!))!.sha256 : e.sha256);
      const out = await tool('sha256sum', whole.map(at));
      expect(out.trim().split('\n').map((l) => [l.slice(66), l.slice(0, 64)])).toEqual(whole.map((e) => [at(e), content(e)]));
    });

    it('files recorded piecewise (too large to hash whole) read as recorded at each piece', async () => {
      for (const e of rec.entries.filter((x) => x.pieces?.length)) {
        for (const p of e.pieces!) {
          const r = await runProcess('bash', ['-c', `dd if="$0" iflag=skip_bytes,count_bytes skip=${p.offset} count=${p.length} bs=1M status=none | sha256sum`, at(e)], { timeoutMs: 120_000 });
          expect([e.path, p.offset, r.stdout.toString().slice(0, 64)]).toEqual([e.path, p.offset, p.sha256]);
        }
      }
    });

    it('size, mtime and link count of every entry; link targets; the RDM is shown without data', async () => {
      const shown = rec.entries.filter((e) => e.type !== 'system' && e.path !== '/');
      const out = await tool('stat', ['-c', '%s %Y %h', ...shown.map(at)]);
      expect(out.trim().split('\n')).toEqual(shown.map((e) => `${e.size} ${e.mtime} ${e.nlink}`));
      for (const e of shown.filter((x) => x.type === 'symlink')) expect((await tool('readlink', [at(e)])).trim()).toBe(e.symlinkTarget);
      for (const e of shown.filter((x) => x.type === 'rdm')) {
        const r = await runProcess('head', ['-c', '1', at(e)], { timeoutMs: 30_000 });
        expect([r.code, r.stderr]).toEqual([1, `head: error reading '${at(e)}': Input/output error\n`]);
      }
      expect(mountEntry(mnt)).toBeDefined();
    });
  });
}
