#!/usr/bin/env bash
# Build the ESXi snapshot-chain corpus (COWD and SESparse) from its recipe,
# check every chain state with qemu-img, and record qemu-img's raw sha256 and
# map of each state in the "deltas" section of corpus/MANIFEST.
# Needs qemu-img. The images are not kept: tests rebuild them from the same
# recipe and check the files against the recorded sha256s.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . >/dev/null || true   # other areas' type errors must not stop this build
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-deltas.XXXXXX")"
trap 'rm -rf "$out"' EXIT
node dist/corpus/builders/delta-chains.js "$out/chains" --record
