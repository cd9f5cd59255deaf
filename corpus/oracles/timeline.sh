#!/usr/bin/env bash
# Live re-check of the "timeline" section of corpus/MANIFEST: per file of the
# built datastore and of the real ESXi VMFS-5 sample, size and times from
# debugvmfs ls -l and from vmfs-fuse + find must equal what was recorded
# (which test/timeline.test.ts compares vmfskit's bodyfile with). Then
# mactime (sleuthkit) must read vmfskit's bodyfile of both images.
set -euo pipefail
cd "$(dirname "$0")/../.."
for t in debugvmfs vmfs-fuse fusermount mactime; do command -v $t >/dev/null || { echo "timeline: $t not installed" >&2; exit 2; }; done
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-timeline-oracle.XXXXXX")"
trap 'fusermount -u "$out/timeline-mnt" 2>/dev/null || true; rm -rf "$out"' EXIT
zcat ../shared/corpus/esxi-vmfs5-small.bin.gz > "$out/esxi-vmfs5-small.bin"
node dist/corpus/builders/timeline-oracle.js "$out" "$out/esxi-vmfs5-small.bin" --check
for img in "$out/vmfs5-datastore.img" "$out/esxi-vmfs5-small.bin"; do
  node bin/vmfskit timeline --events "$img" > "$out/body.txt"
  lines=$(TZ=UTC mactime -b "$out/body.txt" -d -y | wc -l)
  [ "$lines" -gt 1 ] || { echo "FAIL mactime read nothing from the bodyfile of $img" >&2; exit 1; }
  echo "ok   mactime -b reads the bodyfile of $(basename "$img") ($lines lines)"
done
