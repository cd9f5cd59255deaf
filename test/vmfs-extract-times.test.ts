/**
 * extract keeps each file's and folder's own access and modification times
 * (not one for both), and a relative symbolic link that climbs out of the
 * destination is not created. The volume is built here with atime ≠ mtime so
 * that a mix-up shows; a link inside the destination is kept as a control.
 */
import { describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { scratch } from './helpers/paths.js';
import { buildVmfs5 } from '../corpus/builders/vmfs5/index.js';

describe('extract: times and symlinks that climb out', () => {
  const root = scratch('vmfs-extract-times');
  const lun = path.join(root, 'lun.img');
  const dest = path.join(root, 'out');

  it('atime and mtime of files, folders and kept links are the volume’s; ../ links out of DESTDIR are refused', async () => {
    await buildVmfs5(
      {
        label: 'TIMES',
        createTime: 1_600_000_000,
        uuidSeed: 31,
        devices: [{ pes: 2 }],
        root: [
          {
            type: 'dir',
            name: 'case',
            mtime: 1_500_000_100,
            atime: 1_650_000_100,
            children: [
              { type: 'file', name: 'note.txt', content: { kind: 'text', text: 'evidence\n' }, mtime: 1_500_000_000, atime: 1_650_000_000 },
              { type: 'symlink', name: 'inside', target: 'note.txt', mtime: 1_500_000_200, atime: 1_650_000_200 },
              { type: 'symlink', name: 'escape', target: '../../../etc/passwd' },
              { type: 'symlink', name: 'up-and-back', target: '../case/note.txt' },
            ],
          },
        ],
      },
      lun,
    );
    mkdirSync(dest);
    const r = await runCli(['extract', `${lun}::/case`, dest]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`vmfskit: warning: ${lun}::/case/escape: symbolic link to '../../../etc/passwd' points outside the destination, not created\n`);
    const note = statSync(path.join(dest, 'case', 'note.txt'));
    expect([note.atimeMs / 1000, note.mtimeMs / 1000]).toEqual([1_650_000_000, 1_500_000_000]);
    expect(readFileSync(path.join(dest, 'case', 'note.txt'), 'utf8')).toBe('evidence\n');
    const dir = statSync(path.join(dest, 'case'));
    expect([dir.atimeMs / 1000, dir.mtimeMs / 1000]).toEqual([1_650_000_100, 1_500_000_100]);
    const link = lstatSync(path.join(dest, 'case', 'inside'));
    expect([readlinkSync(path.join(dest, 'case', 'inside')), link.atimeMs / 1000, link.mtimeMs / 1000]).toEqual(['note.txt', 1_650_000_200, 1_500_000_200]);
    expect(readlinkSync(path.join(dest, 'case', 'up-and-back'))).toBe('../case/note.txt');
    expect(() => lstatSync(path.join(dest, 'case', 'escape'))).toThrow();
  });
});
