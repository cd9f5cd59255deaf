#!/usr/bin/env bash
# npm run oracles: re-check the recorded expectations (corpus/MANIFEST)
# against the live oracle tools (qemu-img, vmdkinfo, debugvmfs, ...).
# Runs every corpus/oracles/*.sh; each prints its checks, one per line, and
# exits non-zero on a mismatch. Runs them all, then fails if any failed.
# Needs a built tree (npm run build) and the oracle tools installed.
set -uo pipefail
cd "$(dirname "$0")"
failed=()
for s in oracles/*.sh; do
  [[ -e $s ]] || continue
  echo "== corpus/$s"
  if ! bash "$s"; then failed+=("$s"); fi
done
if ((${#failed[@]})); then
  echo "oracle checks FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all oracle checks passed"
