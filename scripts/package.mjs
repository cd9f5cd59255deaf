#!/usr/bin/env node
// npm run package: the self-contained executable release/vmfskit-linux-x64 (a Node single
// executable application: this Node, the CLI bundled into one CommonJS file, both native addons
// and the hash worker as assets), then the Debian package (scripts/package-deb.sh).
//
// Needs Node >= 20.12 (node:sea getAsset) and the addons built (npm ci builds them; the FUSE
// binding needs libfuse-dev). esbuild: SEA runs one CommonJS script, so the ES modules of dist/
// and yargs must become one file. postject: writes the blob into a copy of the node binary.
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RELEASE = path.join(ROOT, 'release');
const WORK = path.join(RELEASE, 'build');
const OUT = path.join(RELEASE, 'vmfskit-linux-x64');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ADDONS = {
  'vmfskit_native.node': 'native/build/Release/vmfskit_native.node',
  'vmfskit_fuse.node': 'native/fuse/build/Release/vmfskit_fuse.node',
};

function die(msg) {
  process.stderr.write(`package: ${msg}\n`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) die(`needs Node.js 20.12 or later to build (node:sea assets), found ${process.version}`);
if (process.platform !== 'linux' || process.arch !== 'x64') die(`builds linux-x64 only, this is ${process.platform}-${process.arch}`);
for (const [key, file] of Object.entries(ADDONS)) {
  if (!existsSync(path.join(ROOT, file))) die(`${file} is missing (${key}): run npm run build:native (needs g++, make, libfuse-dev)`);
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const git = (args) => {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
};
const commit = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown';
const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src', 'native', 'package.json']) ? '-dirty' : '';
const build = `sea, node ${process.version}, git ${commit}${dirty}`;

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

const esbuild = await import('esbuild');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // import.meta does not exist in CommonJS: the paths it gives are only used outside the
  // executable (src/embedded.ts says what replaces them), but must not throw where evaluated.
  banner: { js: 'var __vmfskit_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__vmfskit_meta_url', VMFSKIT_BUILD: JSON.stringify(build) },
  // fuse-native is the checkout's fallback FUSE binding (a prebuilt addon of its own); the
  // executable carries vmfskit's own libfuse2 binding instead.
  external: ['fuse-native'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
await esbuild.build({ ...common, entryPoints: [path.join(ROOT, 'src/sea/entry.ts')], outfile: path.join(WORK, 'vmfskit.cjs') });
// Every worker thread's script, bundled with the SEA set-up in front (src/worker-url.ts startWorker).
const WORKERS = { 'hash-worker': 'src/hash/hash-worker.ts', 'tree-worker': 'src/hash/tree-worker.ts', 'entropy-worker': 'src/analyze/entropy-worker.ts' };
const assets = {};
for (const [name, file] of Object.entries(WORKERS)) {
  const contents = `import './src/sea/install.ts';\nimport './${file}';\n`;
  await esbuild.build({ ...common, stdin: { contents, resolveDir: ROOT, loader: 'ts' }, outfile: path.join(WORK, `${name}.js`) });
  assets[`${name}.js`] = path.join(WORK, `${name}.js`);
}
for (const [key, file] of Object.entries(ADDONS)) assets[key] = path.join(ROOT, file);
const config = {
  main: path.join(WORK, 'vmfskit.cjs'),
  output: path.join(WORK, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  // V8's code cache of the bundle, made at build time: start-up compiles nothing it has seen.
  useCodeCache: process.env.VMFSKIT_SEA_CODE_CACHE !== '0',
  useSnapshot: false,
  assets,
};
writeFileSync(path.join(WORK, 'sea-config.json'), JSON.stringify(config, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', path.join(WORK, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

rmSync(OUT, { force: true });
copyFileSync(process.execPath, path.join(WORK, 'node'));
// The distribution's node carries its debug info (~50 MB); the executable does not need it.
const strip = spawnSync('strip', ['--strip-debug', path.join(WORK, 'node')], { stdio: 'inherit' });
if (strip.status !== 0) process.stderr.write('package: note: strip failed; the executable keeps node\'s debug info\n');
const postject = path.join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
execFileSync(process.execPath, [postject, path.join(WORK, 'node'), 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', FUSE], { stdio: ['ignore', 'ignore', 'inherit'] });
copyFileSync(path.join(WORK, 'node'), OUT);
chmodSync(OUT, 0o755);

// A download is checked with `sha256sum -c vmfskit-linux-x64.sha256` (a cut-off ELF file may
// crash in the loader before it could say anything itself).
const digest = (await import('node:crypto')).createHash('sha256').update(readFileSync(OUT)).digest('hex');
writeFileSync(`${OUT}.sha256`, `${digest}  ${path.basename(OUT)}\n`);
const version = execFileSync(OUT, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: '/usr/bin:/bin' } }).trim();
if (!version.startsWith(`${pkg.version} (sea,`)) die(`the built executable answers --version with '${version}'`);
process.stderr.write(`package: ${path.relative(ROOT, OUT)} (${(statSync(OUT).size / 1e6).toFixed(1)} MB): vmfskit ${version}\n`);
