// Builds native/ with the node-gyp that ships with npm. Never fails the
// install: without the addon vmfskit still works and says what it misses.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const npmExec = process.env.npm_execpath;
const candidates = [
  npmExec && path.join(path.dirname(npmExec), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  npmExec && path.join(path.dirname(npmExec), 'node-gyp-bin', 'node-gyp'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
].filter(Boolean);
const gyp = candidates.find((c) => existsSync(c));
// Use the headers installed with Node (no download: the registry is the only network here).
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');

function build(dir) {
  const args = ['rebuild', '--directory', dir];
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = gyp
    ? spawnSync(process.execPath, [gyp, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawnSync('node-gyp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status === 0) return '';
  return r.error ? r.error.message : (r.stderr?.toString().trim().split('\n').slice(-3).join(' ') || `exit ${r.status}`);
}

const why = build('native');
if (!why) {
  console.error('vmfskit: native addon built (native/build/Release/vmfskit_native.node)');
} else {
  console.error(`vmfskit: note: native addon not built (${why}); vmfskit works without it (sparse host files read as data).`);
}

// The mount's own libfuse2 binding needs libfuse's headers (Debian: libfuse-dev); without them
// `vmfskit mount` uses fuse-native, at about half the sequential read speed.
const hasFuseDev = spawnSync('pkg-config', ['--exists', 'fuse'], { stdio: 'ignore' }).status === 0;
const fuseWhy = hasFuseDev ? build(path.join('native', 'fuse')) : 'libfuse-dev is not installed';
if (!fuseWhy) {
  console.error('vmfskit: FUSE binding built (native/fuse/build/Release/vmfskit_fuse.node)');
} else {
  console.error(`vmfskit: note: FUSE binding not built (${fuseWhy}); vmfskit mount uses fuse-native instead.`);
}
