#!/usr/bin/env bash
# Live oracle check for the deltas corpus: rebuild the chains, and require
# that the files and qemu-img's raw sha256 and map of every state still equal
# what corpus/MANIFEST ("deltas") recorded. Exit 0 = all agree.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-img >/dev/null || { echo "deltas: qemu-img not installed" >&2; exit 2; }
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-deltas-oracle.XXXXXX")"
trap 'rm -rf "$out"' EXIT
node dist/corpus/builders/delta-chains.js "$out/chains" --check
