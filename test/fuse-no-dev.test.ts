/**
 * A machine (or container) without /dev/fuse: `vmfskit mount` says so in one
 * line, naming what to do and the Debian packages, exit 2, and mounts
 * nothing. Run in a private mount namespace whose /dev is an empty tmpfs
 * (root; CI runs as root), so the real /dev/fuse is untouched.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, scratch } from './helpers/paths.js';
import { runProcess } from './helpers/proc.js';
import { mountEntry } from './helpers/fuse.js';
import { requireTools } from './helpers/tools.js';

describe.runIf(process.getuid?.() === 0 && requireTools('unshare'))('mount without /dev/fuse', () => {
  it('one line naming /dev/fuse and the packages, exit 2, nothing mounted', async () => {
    const dir = scratch('fuse-no-dev');
    const mnt = path.join(dir, 'mnt');
    mkdirSync(mnt);
    writeFileSync(path.join(dir, 'd.bin'), Buffer.alloc(1 << 20));
    for (const extra of ['', '--foreground ']) {
      const r = await runProcess('unshare', ['-m', 'sh', '-c', `mount -t tmpfs none /dev && exec "${process.execPath}" "${BIN}" mount ${extra}"${path.join(dir, 'd.bin')}" "${mnt}"`], { timeoutMs: 60_000 });
      expect({ code: r.code, stderr: r.stderr }).toEqual({
        code: 2,
        stderr: "vmfskit: /dev/fuse does not exist (load the fuse kernel module, or give the container --device /dev/fuse); FUSE also needs the Debian packages 'fuse libfuse2' (Ubuntu 24.04: 'fuse libfuse2t64')\n",
      });
    }
    expect(mountEntry(mnt)).toBeUndefined();
  });
});
