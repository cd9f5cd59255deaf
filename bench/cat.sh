#!/usr/bin/env bash
# vmfskit cat X > /dev/null  vs  qemu-img convert -O raw X out.raw
# on a 1 GiB monolithicSparse (alternating 1 MiB random / 1 MiB zeros) and the
# same data as streamOptimized. Inputs are generated into bench/out/ (gitignored),
# warmed (cat > /dev/null) right before every run, competitors interleaved,
# median and best of RUNS runs reported with the load average.
# Usage: bash bench/cat.sh [RUNS]   (default 5). Needs qemu-img; the CLI built (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
OUT=bench/out
BIN=./bin/vmfskit
mkdir -p "$OUT"

if [ ! -f "$OUT/cat-base.raw" ]; then
  node -e "const fs=require('fs'),c=require('crypto');const fd=fs.openSync('$OUT/cat-base.raw.partial','w'),z=Buffer.alloc(1<<20);
for(let i=0;i<1024;i++)fs.writeSync(fd,i%2?z:c.randomBytes(1<<20));fs.closeSync(fd)"
  mv "$OUT/cat-base.raw.partial" "$OUT/cat-base.raw"
fi
for sub in monolithicSparse streamOptimized; do
  [ -f "$OUT/cat-$sub.vmdk" ] || qemu-img convert -f raw -O vmdk -o subformat=$sub "$OUT/cat-base.raw" "$OUT/cat-$sub.vmdk"
done

# Correctness first: both tools must give the bytes of the raw source.
want=$(sha256sum < "$OUT/cat-base.raw" | cut -d' ' -f1)
for sub in monolithicSparse streamOptimized; do
  got=$($BIN cat "$OUT/cat-$sub.vmdk" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "vmfskit cat $sub: sha256 $got, expected $want" >&2; exit 1; }
done

# One timed run: appends "wall cpu" (seconds; cpu = user + sys of the command and its threads).
timed() { local f=$1; shift; /usr/bin/time -f '%e %U %S' -o "$OUT/t-one" "$@"; awk '{printf "%s %.2f\n", $1, $2 + $3}' "$OUT/t-one" >> "$f"; }
# Median and best of column $1.
stats() { awk -v c="$1" '{print $c}' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f\n", m, a[1]}'; }

report=()
for sub in monolithicSparse streamOptimized; do
  img="$OUT/cat-$sub.vmdk"
  : > "$OUT/t-ours"; : > "$OUT/t-qemu"
  for i in $(seq "$RUNS"); do
    cat "$img" > /dev/null
    timed "$OUT/t-ours" sh -c "$BIN cat '$img' > /dev/null"
    rm -f "$OUT/out.raw"; cat "$img" > /dev/null
    timed "$OUT/t-qemu" qemu-img convert -O raw "$img" "$OUT/out.raw"
  done
  rm -f "$OUT/out.raw"
  read -r om ob < <(stats 1 < "$OUT/t-ours")
  read -r qm qb < <(stats 1 < "$OUT/t-qemu")
  read -r oc _ < <(stats 2 < "$OUT/t-ours")
  read -r qc _ < <(stats 2 < "$OUT/t-qemu")
  report+=("| $sub (1 GiB, half zeros) | $om / $ob | $oc | $qm / $qb | $qc | $(echo "scale=2; $om / $qm" | bc) | $(echo "scale=2; $oc / $qc" | bc) |")
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "runs: $RUNS, interleaved, inputs warmed before each run; load average at end: $load"
echo "| image | vmfskit cat > /dev/null: wall median / best s | CPU median s | qemu-img convert -O raw: wall median / best s | CPU median s | wall ratio | CPU ratio |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${report[@]}"
