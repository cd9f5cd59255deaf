/**
 * vmfskit as a library, the way a user meets it: `npm pack`, install the tarball into a new
 * project (dependencies from the npm registry/cache, the install script builds the addons),
 * compile a consumer with tsc --strict against the shipped types, run it on the sample LUN:
 * its bytes, map and hashes equal `vmfskit cat`, `map --json`, `hash`, `ls`, `snapshots --json`.
 * Slow (npm install + a native build): one file, one setup.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import { scratchCleaned } from './helpers/scratch.js';
import { sha256 } from './helpers/hash.js';

const scratch = scratchCleaned();
let work: string;
let app: string;
let lun: string;
let result: Record<string, unknown> & { runs: { offset: number; length: number; kind: string }[] };
const ADDR = () => `${lun}::/VM/VM-000002.vmdk`;

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

beforeAll(() => {
  work = scratch('package-library');
  app = path.join(work, 'app');
  lun = sh(process.execPath, [path.join(ROOT, 'dist/corpus/builders/sample-lun.js'), work], ROOT).trim();
  // dist/ is what `npm test` just built; prepack would rebuild it.
  sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT);
  const tgz = readdirSync(work).find((f) => /^vmfskit-.*\.tgz$/.test(f))!;
  sh('mkdir', ['-p', app], work);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, tgz)], app);
  copyFileSync(path.join(ROOT, 'test/library-consumer/consumer.ts'), path.join(app, 'consumer.ts'));
  // The consumer sees only the installed package: its own node_modules/vmfskit and @types/node.
  sh(process.execPath, [
    path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--skipLibCheck', 'false', 'consumer.ts',
  ], app);
  result = JSON.parse(sh(process.execPath, ['consumer.js', lun, ADDR(), path.join(work, 'lib.raw')], app));
}, 300_000);

describe('vmfskit as an installed library', () => {
  it('reads the same bytes as vmfskit cat and hashes them as vmfskit hash does', async () => {
    const cat = await runCli(['cat', ADDR()]);
    expect(cat.code).toBe(0);
    const lib = readFileSync(path.join(work, 'lib.raw'));
    expect(lib.length).toBe(result.size);
    expect(lib.equals(cat.stdout)).toBe(true);
    const h = await runCli(['hash', '-a', 'sha256', ADDR()]);
    expect(h.stdout.toString().split(' ')[0]).toBe((result.digests as Record<string, string>).sha256);
    expect((result.digests as Record<string, string>).sha256).toBe(sha256(cat.stdout));
    expect(result.kind).toBe('vmdk');
    expect(result.layers).toBe(3);
  });

  it('maps as vmfskit map --json does, and its runs cover the disk', async () => {
    const m = await runCli(['map', '--json', ADDR()]);
    expect((result.entries as unknown[]).length).toBeGreaterThan(2);
    expect(result.entries).toEqual(JSON.parse(m.stdout.toString()));
    let at = 0;
    for (const r of result.runs) {
      expect(r.offset).toBe(at);
      at += r.length;
    }
    expect(at).toBe(result.size);
  });

  it('lists, stats and hashes files of the volume as ls and hash do', async () => {
    const ls = await runCli(['ls', '--json', `${lun}::/VM`]);
    const names = (JSON.parse(ls.stdout.toString()) as { name: string }[]).map((e) => e.name);
    expect(result.names).toEqual(names);
    const h = await runCli(['hash', '-a', 'sha256', `${lun}::/VM/VM-flat.vmdk`]);
    expect(h.stdout.toString().split(' ')[0]).toBe(result.flatSha256);
    const st = await runCli(['stat', '--json', `${lun}::/VM/VM-flat.vmdk`]);
    expect(result.flatSize).toBe((JSON.parse(st.stdout.toString()) as { size: number }).size);
  });

  it('gives the snapshot tree of snapshots --json, and typed errors', async () => {
    const s = JSON.parse((await runCli(['snapshots', '--json', `${lun}::/VM`])).stdout.toString()) as {
      vms: { snapshots: { name: string; children: unknown[] }[]; disks: { states: { open: string }[] }[] }[];
    };
    const opens = s.vms.flatMap((vm) => vm.disks.flatMap((d) => d.states.map((st) => st.open)));
    expect((result.states as string[]).map((p) => `${lun}::${p}`)).toEqual(opens);
    expect(result.snapshotNames).toEqual(s.vms.flatMap((vm) => vm.snapshots.map((x) => x.name)));
    expect(result.code).toBe('NOT_FOUND');
  });

  it('reaches only the public API: a deep import is refused', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('vmfskit/dist/src/open.js')"], { cwd: app, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
