#!/usr/bin/env bash
# Rebuild bench/RESULTS.md from the per-area results (bench/results-*.md),
# keeping the summary the lead writes at the top (bench/SUMMARY.md).
set -euo pipefail
cd "$(dirname "$0")"
{
  cat SUMMARY.md
  for f in results-cat.md results-convert.md results-hash.md results-compare.md results-vmfs.md results-mount.md results-triage.md results-package.md; do
    [ -f "$f" ] || continue
    printf '\n---\n\n'
    sed 's/^# /## /' "$f"
  done
} > RESULTS.md.partial
mv RESULTS.md.partial RESULTS.md
