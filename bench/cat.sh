#!/usr/bin/env bash
# vmfskit cat X > /dev/null  vs  qemu-img convert -O raw X out.raw
# on a 1 GiB monolithicSparse (alternating 1 MiB random / 1 MiB zeros) and the
# same data as streamOptimized. Inputs are generated into bench/out/ (gitignored),
# warmed (cat > /dev/null) right before every run, competitors interleaved,
# median and best of RUNS runs reported with the load average.
# Usage: bash bench/cat.sh [RUNS]   (default 5). Needs qemu-img; the CLI built (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS=${1:-5}
OUT=bench/out
BIN=./bin/vmfskit
mkdir -p "$OUT"

[ -f "$OUT/cat-base.raw" ] || make_half_zero_raw "$OUT/cat-base.raw" 1024
for sub in monolithicSparse streamOptimized; do
  [ -f "$OUT/cat-$sub.vmdk" ] || qemu-img convert -f raw -O vmdk -o subformat=$sub "$OUT/cat-base.raw" "$OUT/cat-$sub.vmdk"
done

# Correctness first: both tools must give the bytes of the raw source.
want=$(sha256sum < "$OUT/cat-base.raw" | cut -d' ' -f1)
for sub in monolithicSparse streamOptimized; do
  got=$($BIN cat "$OUT/cat-$sub.vmdk" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "vmfskit cat $sub: sha256 $got, expected $want" >&2; exit 1; }
done

# Median and best of column $1 of a file of "WALL CPU" lines.
column_stats() { cut -d' ' -f"$1" < "$2" | stats 2; }

report=()
for sub in monolithicSparse streamOptimized; do
  img="$OUT/cat-$sub.vmdk"
  : > "$OUT/t-ours"; : > "$OUT/t-qemu"
  for i in $(seq "$RUNS"); do
    timed "$img" -- sh -c "$BIN cat '$img'" >> "$OUT/t-ours"
    rm -f "$OUT/out.raw"
    timed "$img" -- qemu-img convert -O raw "$img" "$OUT/out.raw" >> "$OUT/t-qemu"
  done
  rm -f "$OUT/out.raw"
  read -r om ob < <(column_stats 1 "$OUT/t-ours")
  read -r qm qb < <(column_stats 1 "$OUT/t-qemu")
  read -r oc _ < <(column_stats 2 "$OUT/t-ours")
  read -r qc _ < <(column_stats 2 "$OUT/t-qemu")
  report+=("| $sub (1 GiB, half zeros) | $om / $ob | $oc | $qm / $qb | $qc | $(echo "scale=2; $om / $qm" | bc) | $(echo "scale=2; $oc / $qc" | bc) |")
done
load=$(loadavg)
echo "runs: $RUNS, interleaved, inputs warmed before each run; load average at end: $load"
echo "| image | vmfskit cat > /dev/null: wall median / best s | CPU median s | qemu-img convert -O raw: wall median / best s | CPU median s | wall ratio | CPU ratio |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${report[@]}"
