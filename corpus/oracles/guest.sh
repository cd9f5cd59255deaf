#!/usr/bin/env bash
# Re-check MANIFEST "guest" with the live tools: qemu-img's raw of the
# corpus/guest VMDK has the recorded sha256, mmls on it prints the recorded
# GPT, and fls -r -o START on it the recorded names of every partition.
set -euo pipefail
corpus=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$corpus/guest/guest.tar.gz" -C "$work"
node --input-type=module - "$corpus" "$work" <<'JS'
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
const [corpus, work] = process.argv.slice(2);
const { tskView } = await import(`${corpus}/tsk/tsk-tools.mjs`);
const guest = JSON.parse(readFileSync(`${corpus}/MANIFEST`, 'utf8')).guest;
let bad = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} guest: ${what}`); if (!ok) bad++; };
for (const [name, c] of Object.entries(guest.cases)) {
  const raw = `${work}/${name}.raw`;
  const r = spawnSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', `${work}/${c.entry}`, raw], { encoding: 'utf8' });
  if (r.status !== 0) { check(false, `qemu-img convert ${c.entry}: ${r.stderr}`); continue; }
  const sha = createHash('sha256').update(readFileSync(raw)).digest('hex');
  check(sha === c.sha256, `${c.entry}: qemu-img raw sha256 ${sha}`);
  const view = tskView(raw, Object.keys(c.fls));
  check(isDeepStrictEqual(view.mmls, c.mmls), `${c.entry}: mmls table (${view.mmls.partitions.length} rows)`);
  check(isDeepStrictEqual(view.fls, c.fls), `${c.entry}: fls names (${Object.values(view.fls).flat().length} entries)`);
}
process.exit(bad ? 1 : 0);
JS
