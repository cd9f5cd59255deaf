#!/usr/bin/env bash
# Re-check MANIFEST "tsk" with the live tools: qemu-img's raw of each
# corpus/tsk VMDK has the recorded sha256, and mmls/fls on it print the
# recorded partition table and file names.
set -euo pipefail
corpus=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$corpus/tsk/tsk.tar.gz" -C "$work"
node --input-type=module - "$corpus" "$work" <<'JS'
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
const [corpus, work] = process.argv.slice(2);
const { tskView } = await import(`${corpus}/tsk/tsk-tools.mjs`);
const tsk = JSON.parse(readFileSync(`${corpus}/MANIFEST`, 'utf8')).tsk;
let bad = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} tsk: ${what}`); if (!ok) bad++; };
for (const [name, c] of Object.entries(tsk.cases)) {
  const raw = `${work}/${name}.raw`;
  const r = spawnSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', `${work}/${c.entry}`, raw], { encoding: 'utf8' });
  if (r.status !== 0) { check(false, `qemu-img convert ${c.entry}: ${r.stderr}`); continue; }
  const sha = createHash('sha256').update(readFileSync(raw)).digest('hex');
  check(sha === c.sha256, `${c.entry}: qemu-img raw sha256 ${sha}`);
  const view = tskView(raw, Object.keys(tsk.fls));
  check(isDeepStrictEqual(view.mmls, { table: tsk.mmls.table, partitions: tsk.mmls.partitions }), `${c.entry}: mmls table (${view.mmls.partitions.length} rows)`);
  check(isDeepStrictEqual(view.fls, tsk.fls), `${c.entry}: fls names (${Object.values(view.fls).flat().length} entries)`);
}
process.exit(bad ? 1 : 0);
JS
