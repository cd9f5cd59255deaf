/**
 * What The Sleuth Kit says about a raw disk, reduced to what the corpus
 * records and the tests compare: mmls's partition rows, and fls -r -p's
 * entries as "TYPE PATH" (inode numbers left out: they are the file
 * system's business). Used by build-tsk.sh (record), oracles/tsk.sh
 * (re-check) and test/convert-tsk.test.ts (vmfskit's output).
 *
 *   node corpus/tsk/tsk-tools.mjs RAW SECTOR...   prints {"mmls": …, "fls": {SECTOR: […]}}
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** mmls rows: "002:  000:000   0000002048   0000014335   0000012288   DOS FAT16 (0x06)". */
export function mmls(image) {
  const lines = run('mmls', [image]).split('\n');
  const partitions = lines
    .map((l) => /^\d+:\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ slot: m[1], start: Number(m[2]), end: Number(m[3]), length: Number(m[4]), description: m[5].trim() }));
  return { table: lines[0], partitions };
}

/** fls -r -p rows: "r/r 13:\tevidence/blob.bin" → "r/r evidence/blob.bin". */
export function fls(image, sector) {
  return run('fls', ['-r', '-p', '-o', String(sector), image])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s+(?:\* )?\d+(?:-\d+-\d+)?(?:\(realloc\))?:\t(.*)$/.exec(l);
      if (!m) throw new Error(`unexpected fls line: ${l}`);
      return `${m[1]} ${m[2]}`;
    });
}

export function tskView(image, sectors) {
  return { mmls: mmls(image), fls: Object.fromEntries(sectors.map((s) => [String(s), fls(image, s)])) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [image, ...sectors] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(tskView(image, sectors)) + '\n');
}
