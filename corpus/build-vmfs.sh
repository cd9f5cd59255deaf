#!/usr/bin/env bash
# Build the VMFS-5 test volumes (corpus/builders/vmfs5/volumes.ts) into
# corpus/out/ (sparse files, gitignored), check every one with debugvmfs
# (ls -l of every directory, cat of every file it can read) and record the
# image sha256s, the expected files and debugvmfs' verdicts in the "vmfs"
# section of corpus/MANIFEST. Refuses to record if debugvmfs disagrees.
# Needs vmfs-tools (debugvmfs) and gdisk (sgdisk).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v debugvmfs >/dev/null || { echo "vmfs: debugvmfs (vmfs-tools) not installed" >&2; exit 2; }
command -v sgdisk >/dev/null || { echo "vmfs: sgdisk (gdisk) not installed" >&2; exit 2; }
npx tsc -p . >/dev/null || true   # other areas' type errors must not stop this build
node dist/corpus/builders/vmfs5/corpus-build.js corpus/out --record
# Issue 14: per-file times of the datastore volume and the real ESXi sample from
# debugvmfs and vmfs-fuse, for the timeline tests ("timeline" section).
if [ -f ../shared/corpus/esxi-vmfs5-small.bin.gz ] && command -v vmfs-fuse >/dev/null; then
  zcat ../shared/corpus/esxi-vmfs5-small.bin.gz > corpus/out/esxi-vmfs5-small.bin
  node dist/corpus/builders/timeline-oracle.js corpus/out corpus/out/esxi-vmfs5-small.bin --record
fi
