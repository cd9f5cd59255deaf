#!/usr/bin/env bash
# Build the ESXi snapshot-chain corpus (COWD and SESparse) from its recipe,
# check every chain state with qemu-img, and record qemu-img's raw sha256 and
# map of each state in the "deltas" section of corpus/MANIFEST, and the
# thin base's block allocation in the datastore image as debugvmfs sees it.
# Needs qemu-img, qemu-io, debugvmfs, tar, gzip. The chains are not kept:
# tests rebuild them from the same recipe and check the files against the
# recorded sha256s. Only the layers qemu-img/qemu-io make for the hosted
# (Workstation) chains are committed, as corpus/deltas/hosted.tar.gz
# (deterministic: fixed CIDs, sorted tar, gzip -n; a rebuild is identical).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . >/dev/null || true   # other areas' type errors must not stop this build
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-deltas.XXXXXX")"
trap 'rm -rf "$out"' EXIT
node dist/corpus/builders/delta-chains.js "$out/chains" --record
