#!/usr/bin/env bash
# Live oracle check for the deltas corpus: rebuild the qemu-made hosted layers
# (must equal corpus/deltas/hosted.tar.gz byte for byte) and the chains, and
# require that the files, qemu-img's raw sha256 and map of every state, and
# debugvmfs's block allocation of the thin base in the datastore image still
# equal what corpus/MANIFEST ("deltas") recorded. Exit 0 = all agree.
set -euo pipefail
cd "$(dirname "$0")/../.."
for t in qemu-img qemu-io debugvmfs; do command -v $t >/dev/null || { echo "deltas: $t not installed" >&2; exit 2; }; done
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-deltas-oracle.XXXXXX")"
trap 'fusermount -u "$out/mnt" 2>/dev/null || true; rm -rf "$out"' EXIT
node dist/corpus/builders/delta-chains.js "$out/chains" --check

# Second oracle for the chains libvmdk reads: vmdkmount exposes one file per
# chain layer (vmdk1 = base ... vmdkN = the whole chain). libvmdk has no
# SESparse, so of WS only the hosted states (WS@0, WS@1) are checked; W2 is
# twoGbMaxExtentSparse → COWD → COWD.
if command -v vmdkmount >/dev/null && [[ -e /dev/fuse ]]; then
  mnt="$out/mnt"; mkdir -p "$mnt"
  bad=0
  for top in VM:VM-000002.vmdk:2 W2:W2-000002.vmdk:2 WS:WS-000001.vmdk:1; do
    IFS=: read -r dir file last <<<"$top"
    vmdkmount "$out/chains/$dir/$file" "$mnt" >/dev/null
    for i in $(seq 0 "$last"); do
      want=$(node -e "const m=JSON.parse(require('fs').readFileSync('corpus/MANIFEST','utf8'));process.stdout.write(m.deltas.states.find(s=>s.id==='$dir@$i').sha256)")
      got=$(sha256sum "$mnt/vmdk$((i + 1))" | cut -d' ' -f1)
      if [[ $got == "$want" ]]; then echo "ok   $dir@$i vmdkmount vmdk$((i + 1)) $got"; else echo "FAIL $dir@$i vmdkmount $got, MANIFEST $want"; bad=1; fi
    done
    fusermount -u "$mnt"
  done
  exit $bad
else
  echo "deltas: vmdkmount or /dev/fuse missing: libvmdk cross-check skipped" >&2
fi
