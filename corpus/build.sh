#!/usr/bin/env bash
# npm run corpus: rebuild every area's test images and its MANIFEST section.
# Each area owns one corpus/build-<area>.sh; they run one after another
# because they all rewrite (their own section of) corpus/MANIFEST.
set -euo pipefail
cd "$(dirname "$0")"
for b in build-*.sh; do
  echo "== corpus/$b" >&2
  bash "$b"
done
