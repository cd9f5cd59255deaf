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

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
stats() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f\n", m, a[1]}'; }

report=()
for sub in monolithicSparse streamOptimized; do
  img="$OUT/cat-$sub.vmdk"
  : > "$OUT/t-ours"; : > "$OUT/t-qemu"
  for i in $(seq "$RUNS"); do
    cat "$img" > /dev/null
    t0=$(now); $BIN cat "$img" > /dev/null; t1=$(now)
    elapsed "$t0" "$t1" >> "$OUT/t-ours"
    rm -f "$OUT/out.raw"; cat "$img" > /dev/null
    t0=$(now); qemu-img convert -O raw "$img" "$OUT/out.raw"; t1=$(now)
    elapsed "$t0" "$t1" >> "$OUT/t-qemu"
  done
  rm -f "$OUT/out.raw"
  read -r om ob < <(stats < "$OUT/t-ours")
  read -r qm qb < <(stats < "$OUT/t-qemu")
  ratio=$(echo "scale=2; $om / $qm" | bc)
  report+=("| $sub (1 GiB, half zeros) | $om / $ob | $qm / $qb | $ratio |")
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "runs: $RUNS, interleaved, inputs warmed before each run; load average at end: $load"
echo "| image | vmfskit cat > /dev/null, median / best s | qemu-img convert -O raw, median / best s | ratio (median) |"
echo "|---|---|---|---|"
printf '%s\n' "${report[@]}"
