/**
 * The mount daemon's life cycle on signals: SIGTERM to a background daemon
 * and SIGINT (Ctrl-C) to a foreground one both unmount and end the process,
 * with the documented exit status for the foreground one; the mount point is
 * free again and can be mounted at once.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { BIN, scratch } from './helpers/paths.js';
import { mountEntry, unmount, waitFor } from './helpers/fuse.js';
import { requireTools, FUSE } from './helpers/tools.js';

describe.runIf(requireTools(...FUSE))('mount daemon and signals', () => {
  const dir = scratch('fuse-signals');
  const mnt = path.join(dir, 'mnt');
  mkdirSync(mnt);
  const disk = path.join(dir, 'd.bin');
  writeFileSync(disk, Buffer.alloc(1 << 20, 7));

  it('SIGTERM to the background daemon unmounts and ends it', async () => {
    const r = await runCli(['mount', '--log', path.join(dir, 'bg.log'), disk, mnt]);
    expect(r.code).toBe(0);
    const pid = Number(/\(pid (\d+)/.exec(r.stdout.toString())![1]);
    expect(mountEntry(mnt)).toBeDefined();
    process.kill(pid, 'SIGTERM');
    expect(await waitFor(() => !existsSync(`/proc/${pid}`), 10_000)).toBe(true);
    expect(mountEntry(mnt)).toBeUndefined();
  });

  it('SIGINT (Ctrl-C) to a foreground mount unmounts and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'mount', '--foreground', disk, mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      expect(await waitFor(() => err.includes('is mounted read-only'), 20_000)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(mountEntry(mnt)).toBeUndefined();
    } finally {
      await unmount(mnt);
    }
    // Free again: a new mount works at once.
    const again = await runCli(['mount', '--log', path.join(dir, 'again.log'), disk, mnt]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await runCli(['umount', mnt])).code).toBe(0);
  });
});
