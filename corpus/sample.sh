#!/usr/bin/env bash
# npm run sample: the README's first command. Builds the sample LUN image
# (GPT, VMFS-5, a VM with two snapshots; corpus/builders/sample-lun.ts), then
# does what an examiner does first: look at the datastore, draw the snapshot
# tree, and hash every point-in-time disk straight out of the LUN image —
# next to the sha256 qemu-img gave for the same disks (corpus/MANIFEST).
# Exit 1 if any differs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VMFSKIT="$ROOT/bin/vmfskit"
DIR=$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-sample.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
LUN=$(node "$ROOT/dist/corpus/builders/sample-lun.js" "$DIR")

step() { printf '\n$ %s\n' "$*" | sed "s|$DIR/||g"; "$@"; }
cd "$DIR"
step "$VMFSKIT" info lun.img
step "$VMFSKIT" ls -l -R lun.img::/VM
step "$VMFSKIT" snapshots lun.img::/VM

printf '\n$ vmfskit hash -a sha256 lun.img::/VM/VM.vmdk lun.img::/VM/VM-000001.vmdk lun.img::/VM/VM-000002.vmdk\n'
bad=0
while IFS=$'\t' read -r id path expected; do
  got=$("$VMFSKIT" hash -a sha256 "lun.img::$path" | cut -d' ' -f1)
  if [[ $got == "$expected" ]]; then verdict=match; else verdict=MISMATCH; bad=1; fi
  printf '%s  lun.img::%s\n%s  qemu-img (corpus/MANIFEST, state %s): %s\n' "$got" "$path" "$expected" "$id" "$verdict"
done < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const s of m.deltas.volume.states) if (s.path.startsWith("/VM/")) console.log([s.id, s.path, s.sha256].join("\t"));
' "$ROOT/corpus/MANIFEST")
exit $bad
