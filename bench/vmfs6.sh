#!/usr/bin/env bash
# VMFS-6 reading vs vmfs6-tools (issue 12 speed goals), ratios from one run:
#  1. cat of a thick LFB file to /dev/null: vmfskit cat vs debugvmfs6 … cat (goal ≤ 1.0×);
#  2. ls -l of a 20 000-entry directory: vmfskit ls -l vs debugvmfs6 ls -l (recorded, with where the time goes);
#  3. dd of that file through a mount: vmfskit mount vs vmfs6-fuse (goal ≥ 1.2× its throughput).
# Images from corpus/builders/vmfs6 (the v6builder's); defaults are the ones in /work/v6images.
# Usage: bash bench/vmfs6.sh [RUNS] [LFB_IMAGE] [LFB_FILE] [DIR_IMAGE] [DIR]   (after npm run build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
RUNS=${1:-3}
IMG=${2:-/work/v6images/vmfs6-all.img}
FILE=${3:-/big/thick-lfb-1536MiB-flat.vmdk}
DIMG=${4:-/work/v6images/vmfs6-many.img}
DIR=${5:-/many}
BIN="node $root/bin/vmfskit"
bench_dir vmfs6
for t in debugvmfs6 vmfs6-fuse fusermount; do command -v $t >/dev/null || { echo "vmfs6.sh: $t missing" >&2; exit 2; }; done

# Correctness first: the same bytes from both (debugvmfs6's banner line stripped).
want=$($BIN cat "$IMG::$FILE" | sha256sum | cut -d' ' -f1)
got=$(debugvmfs6 "$IMG" cat "$FILE" | tail -c +17 | sha256sum | cut -d' ' -f1)
[ "$want" = "$got" ] || echo "note: debugvmfs6 cat differs from vmfskit cat (sha256 $got vs $want)" >&2
size=$($BIN stat --json "$IMG::$FILE" | node -e "console.log(JSON.parse(require('fs').readFileSync(0,'utf8')).size)")

: > t-kit-cat; : > t-dbg-cat; : > t-kit-ls; : > t-dbg-ls
for i in $(seq "$RUNS"); do
  timed "$IMG" -- sh -c "$BIN cat '$IMG::$FILE'" >> t-kit-cat
  timed "$IMG" -- sh -c "debugvmfs6 '$IMG' cat '$FILE'" >> t-dbg-cat
  timed "$DIMG" -- sh -c "$BIN ls -l '$DIMG::$DIR'" >> t-kit-ls
  timed "$DIMG" -- sh -c "debugvmfs6 '$DIMG' ls -l '$DIR'" >> t-dbg-ls
done

# Mount: dd of the file through each FUSE mount (the mount is made once; the image warmed before each dd).
mkdir -p mk mf
$BIN mount "$IMG" mk > /dev/null
vmfs6-fuse "$IMG" mf > /dev/null 2>&1 || true
sleep 1
: > t-kit-dd; : > t-fuse-dd
for i in $(seq "$RUNS"); do
  timed "$IMG" -- dd if="mk$FILE" of=/dev/null bs=1M status=none >> t-kit-dd
  timed "$IMG" -- dd if="mf$FILE" of=/dev/null bs=1M status=none >> t-fuse-dd
done
$BIN umount mk > /dev/null || true
fusermount -u mf || true

med() { cut -d' ' -f1 < "$1" | stats | cut -d' ' -f1; }
ratio() { echo "scale=2; $1 / $2" | bc; }
kc=$(med t-kit-cat); dc=$(med t-dbg-cat); kl=$(med t-kit-ls); dl=$(med t-dbg-ls); kd=$(med t-kit-dd); fd=$(med t-fuse-dd)
mibs() { echo "scale=0; $size / 1048576 / $1" | bc; }
load=$(loadavg)
{
  echo "# VMFS-6: vmfskit vs vmfs6-tools (bench/vmfs6.sh)"
  echo
  echo "Command: \`bash bench/vmfs6.sh $RUNS\`, run $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs, node $(node -v); load average at end: $load."
  echo "LFB file: $IMG::$FILE ($size bytes); directory: $DIMG::$DIR ($($BIN ls "$DIMG::$DIR" | wc -l) entries). Median wall time of $RUNS interleaved runs, inputs warmed."
  echo
  echo "| measure | vmfskit s | vmfs6-tools s | ratio (vmfskit / vmfs6-tools) |"
  echo "|---|---|---|---|"
  echo "| cat of the LFB file > /dev/null (debugvmfs6 cat) | $kc | $dc | $(ratio "$kc" "$dc") |"
  echo "| ls -l of the directory (debugvmfs6 ls -l) | $kl | $dl | $(ratio "$kl" "$dl") |"
  echo "| dd bs=1M through the mount (vmfs6-fuse) | $kd ($(mibs "$kd") MiB/s) | $fd ($(mibs "$fd") MiB/s) | throughput $(ratio "$fd" "$kd") × vmfs6-fuse's |"
} > "$OUT_MD.tmp"
mv "$OUT_MD.tmp" "$OUT_MD"
cat "$OUT_MD"
