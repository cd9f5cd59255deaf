#!/usr/bin/env bash
# Live oracle check for the deltas corpus: rebuild the chains, and require
# that the files and qemu-img's raw sha256 and map of every state still equal
# what corpus/MANIFEST ("deltas") recorded. Exit 0 = all agree.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-img >/dev/null || { echo "deltas: qemu-img not installed" >&2; exit 2; }
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-deltas-oracle.XXXXXX")"
trap 'fusermount -u "$out/mnt" 2>/dev/null; rm -rf "$out"' EXIT
node dist/corpus/builders/delta-chains.js "$out/chains" --check

# Second oracle for the COWD chain: libvmdk's vmdkmount exposes one file per
# chain layer (vmdk1 = base ... vmdkN = the whole chain); libvmdk has no SESparse.
if command -v vmdkmount >/dev/null && [[ -e /dev/fuse ]]; then
  mnt="$out/mnt"; mkdir -p "$mnt"
  vmdkmount "$out/chains/VM/VM-000002.vmdk" "$mnt" >/dev/null
  bad=0
  for i in 0 1 2; do
    want=$(node -e "const m=JSON.parse(require('fs').readFileSync('corpus/MANIFEST','utf8'));process.stdout.write(m.deltas.states.find(s=>s.id==='VM@$i').sha256)")
    got=$(sha256sum "$mnt/vmdk$((i + 1))" | cut -d' ' -f1)
    if [[ $got == "$want" ]]; then echo "ok   VM@$i vmdkmount vmdk$((i + 1)) $got"; else echo "FAIL VM@$i vmdkmount $got, MANIFEST $want"; bad=1; fi
  done
  exit $bad
else
  echo "deltas: vmdkmount or /dev/fuse missing: libvmdk cross-check skipped" >&2
fi
