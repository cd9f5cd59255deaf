/**
 * Records what two independent readers say about every file's size and
 * times, for `vmfskit timeline` to be checked against (test/timeline.test.ts):
 * `debugvmfs ls -l` of every directory (size and the one time it prints —
 * the FD's ctime at +0x30, see test/vmfs-real.test.ts; epoch seconds with
 * TZ=UTC) and `vmfs-fuse` + `find -printf '%s %A@ %T@ %C@'` (atime, mtime,
 * ctime as the kernel stats them). Images: the built datastore
 * (vmfs5-datastore.img, rebuilt from its spec) and the real ESXi VMFS-5
 * sample. Section "timeline" of corpus/MANIFEST.
 *
 *   node dist/corpus/builders/timeline-oracle.js OUTDIR REAL_VMFS5_IMAGE --record|--check
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readSection, writeSection } from './manifest.js';
import * as dbg from './vmfs5/debugvmfs.js';
import { buildVmfs5 } from './vmfs5/index.js';
import { datastoreSpec } from './vmfs5/datastore.js';

export interface OracleFile {
  path: string;
  size: number;
  /** debugvmfs ls -l time (epoch s). */
  debugvmfs: number;
  /** vmfs-fuse stat: atime, mtime, ctime (epoch s). */
  fuse: [number, number, number];
}

export interface TimelineSection {
  about: string;
  tools: string;
  images: Record<string, { sha256: string; files: OracleFile[] }>;
}

function sha256File(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

function debugvmfsTree(image: string): Map<string, { size: number; time: number; dir: boolean }> {
  const out = new Map<string, { size: number; time: number; dir: boolean }>();
  const dirs = ['/'];
  while (dirs.length) {
    const d = dirs.shift()!;
    for (const l of dbg.lsLong([image], d)) {
      const p = d === '/' ? `/${l.name}` : `${d}/${l.name}`;
      const dir = l.modeString.startsWith('d');
      out.set(p, { size: l.size, time: l.mtime, dir });
      if (dir && l.name !== '.sdd.sf') dirs.push(p);
    }
  }
  return out;
}

function fuseTree(image: string, mnt: string): Map<string, [number, number, number, number]> {
  mkdirSync(mnt, { recursive: true });
  const m = spawnSync('vmfs-fuse', [image, mnt], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`vmfs-fuse ${image}: exit ${m.status}: ${m.stderr}`);
  try {
    const r = spawnSync('find', [mnt, '-mindepth', '1', '-printf', '%P\\t%s\\t%A@\\t%T@\\t%C@\\n'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const out = new Map<string, [number, number, number, number]>();
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const [p, s, a, t, c] = line.split('\t');
      out.set(`/${p}`, [Number(s), Math.floor(Number(a)), Math.floor(Number(t)), Math.floor(Number(c))]);
    }
    return out;
  } finally {
    spawnSync('fusermount', ['-u', mnt]);
  }
}

function record(image: string, mnt: string): { sha256: string; files: OracleFile[] } {
  const d = debugvmfsTree(image);
  const f = fuseTree(image, mnt);
  const files: OracleFile[] = [];
  for (const [p, v] of [...d].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const s = f.get(p);
    if (!s) throw new Error(`${image}: ${p} listed by debugvmfs but not by vmfs-fuse`);
    if (s[0] !== v.size && !v.dir) throw new Error(`${image}: ${p}: debugvmfs size ${v.size}, vmfs-fuse ${s[0]}`);
    files.push({ path: p, size: v.size, debugvmfs: v.time, fuse: [s[1], s[2], s[3]] });
  }
  return { sha256: sha256File(image), files };
}

async function main(): Promise<void> {
  const [outDir, real, mode] = process.argv.slice(2);
  if (!outDir || !real || (mode !== '--record' && mode !== '--check')) {
    console.error('usage: timeline-oracle.js OUTDIR REAL_VMFS5_IMAGE --record|--check');
    process.exit(2);
  }
  const built = await buildVmfs5(datastoreSpec(), path.join(outDir, 'vmfs5-datastore.img'));
  const mnt = path.join(outDir, 'timeline-mnt');
  const section: TimelineSection = {
    about: 'per file of each image: size and time from debugvmfs ls -l (TZ=UTC), atime/mtime/ctime from vmfs-fuse + find -printf; vmfskit timeline must give the same',
    tools: `${dbg.debugvmfsVersion()}; vmfs-fuse (same package); findutils find`,
    images: {
      'vmfs5-datastore.img': record(built.images[0]!.path, mnt),
      'esxi-vmfs5-small.bin': record(real, mnt),
    },
  };
  rmSync(mnt, { recursive: true, force: true });
  for (const [name, v] of Object.entries(section.images)) console.log(`timeline oracle: ${name}: ${v.files.length} files, sha256 ${v.sha256.slice(0, 16)}`);
  if (mode === '--record') {
    writeSection('timeline', section);
    console.log('timeline: MANIFEST section written');
  } else if (JSON.stringify(readSection<TimelineSection>('timeline')) !== JSON.stringify(section)) {
    console.error('timeline: DIFFERS FROM MANIFEST');
    process.exit(1);
  } else console.log('timeline: matches MANIFEST');
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((e: unknown) => {
    console.error(`timeline oracle: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
