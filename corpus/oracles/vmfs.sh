#!/usr/bin/env bash
# Live oracle check for the VMFS-5 corpus: rebuild every volume into a temp
# dir, re-run debugvmfs (and sgdisk for the GPT image) on it, and require
# that image sha256s, expected files and debugvmfs' verdicts all equal what
# corpus/MANIFEST ("vmfs") recorded. Exit 0 = all agree. Runs on its own or
# from corpus/check-oracles.sh; needs a built tree (npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v debugvmfs >/dev/null || { echo "vmfs: debugvmfs (vmfs-tools) not installed" >&2; exit 2; }
command -v sgdisk >/dev/null || { echo "vmfs: sgdisk (gdisk) not installed" >&2; exit 2; }
[[ -f dist/corpus/builders/vmfs5/corpus-build.js ]] || npx tsc -p . >/dev/null || true
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-vmfs-oracle.XXXXXX")"
trap 'rm -rf "$out"' EXIT
node dist/corpus/builders/vmfs5/corpus-build.js "$out" --check
