#!/usr/bin/env bash
# npm run bench: every benchmark in turn (each is interleaved against its
# C counterpart on the same data), then bench/RESULTS.md is assembled from
# the per-area results-*.md files the scripts write.
# Usage: bash bench/run.sh [RUNS]     (needs qemu-utils, vmfs-tools, libvmdk-utils,
#                                      hashdeep, xxhash, fuse; npm run build first)
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-3}
for b in cat convert hash vmfs mount triage; do
  echo "== bench/$b.sh $RUNS" >&2
  bash "$b.sh" "$RUNS"
done
bash assemble.sh
