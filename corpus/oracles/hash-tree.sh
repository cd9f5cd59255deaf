#!/usr/bin/env bash
# Live oracle for `vmfskit hash -r` (issue 18), and the recorder of the
# "hash-tree" section of corpus/MANIFEST: for each VMFS volume of the corpus
# and the real ESXi images, corpus/hash-tree-check.sh requires hash -r,
# hashdeep over vmfskit's mount and hashdeep over the vmfs-fuse mount to give
# the same lines (and hashdeep -a -k of vmfskit's manifest to pass); then what
# vmfs-fuse gave must equal what the MANIFEST recorded (with --record: is
# recorded). Needs vmfs-tools, hashdeep, FUSE and the shared corpus.
# Usage: corpus/oracles/hash-tree.sh [--record]
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
npx tsc -p . >/dev/null || true
node --input-type=module -e "
import { buildVmfs5 } from './dist/corpus/builders/vmfs5/index.js';
import { corpusVolumes } from './dist/corpus/builders/vmfs5/volumes.js';
for (const v of corpusVolumes()) if (['vmfs5-vm.img','vmfs5-spanned.img','vmfs5-many.img'].includes(v.name)) await buildVmfs5(v.spec, '$work/' + v.name);"
zcat ../shared/corpus/esxi-vmfs5-small.bin.gz > "$work/esxi-vmfs5-small.bin"
zcat ../shared/corpus/vmfs/esx-vmfs3-toto.bin.gz > "$work/esx-vmfs3-toto.bin"
export RECORD="$work/records"
O=corpus/hash-tree-check.sh
bash $O "$work/vmfs5-many.img"
bash $O "$work/vmfs5-spanned.img,$work/vmfs5-spanned-ext1.img"
bash $O "$work/esxi-vmfs5-small.bin"
bash $O "$work/esx-vmfs3-toto.bin"
S=/shapes
# vmfs-fuse 0.2.5 cannot read pointer blocks in .pb2.sf (vmfs-anchors.md); the 257 GiB double-indirect file it cannot read either, and is left out (its content is checked by hash-vmfs-volume.test.ts).
SKIP='/shapes/pb2-indirect$' bash $O "$work/vmfs5-vm.img" /VM /names /deep /wide $S/empty $S/resident-1000 $S/resident-1024 $S/subblock-1025 $S/subblock-8192 $S/direct-8193 $S/direct-3MiB+17 $S/holes-20MiB $S/lazy-zeroed-6MiB $S/indirect-thin-300MiB $S/forced-indirect-small $S/pb2-indirect $S/sparse-zero-blocks
if [ "${1:-}" != --record ]; then
  node --input-type=module -e "
import fs from 'node:fs';
const rec = JSON.parse(fs.readFileSync('corpus/MANIFEST', 'utf8'))['hash-tree'].volumes;
let bad = 0;
for (const o of fs.readFileSync('$RECORD', 'utf8').trim().split('\\n').map((l) => JSON.parse(l))) {
  const r = rec[o.image];
  const same = r && r.sha256 === o.sha256 && r.files === o.files && r.audit === o.audit;
  console.log('hash-tree: ' + o.image + ': vmfs-fuse + hashdeep ' + (same ? 'as recorded' : 'DIFFERS from the MANIFEST') + ' (' + o.files + ' files)');
  if (!same) bad++;
}
process.exit(bad ? 1 : 0);"
  exit $?
fi
node --input-type=module -e "
import fs from 'node:fs';
import { writeSection } from './dist/corpus/builders/manifest.js';
const volumes = Object.fromEntries(fs.readFileSync('$RECORD', 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((o) => [o.image, o]));
writeSection('hash-tree', {
  about: 'hashdeep -r -c md5,sha256 -l over the vmfs-fuse mount of each image, lines sorted byte-wise with the names made absolute in the volume (hash-tree.sh); vmfskit hash -r --hashdeep and hashdeep over vmfskit\\'s own mount gave the same lines when this was recorded; audit: hashdeep -o f -a -k of vmfskit\\'s manifest over the vmfs-fuse mount',
  oracleTool: '$(hashdeep -V 2>&1 | head -1) + $(dpkg-query -W -f='vmfs-tools ${Version}' vmfs-tools 2>/dev/null || echo vmfs-tools)',
  volumes,
});
console.log('recorded', Object.keys(volumes).join(', '));"
