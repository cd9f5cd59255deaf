#!/usr/bin/env bash
# Benchmark: vmfskit entropy against vmfskit hash -a md5 of the same disk (issue 13's
# goal: the entropy map of a 4 GiB disk takes no longer than its md5).
# Data: ent4g.raw = 4 GiB, fully written: 16 MiB blocks, one in three seeded
# random, the rest text-like (so every window is read and counted).
# Interleaved, input warmed before each run; prints wall seconds and `uptime`.
# Usage: bash bench/entropy.sh [RUNS]   (npm run build first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
RUNS=${1:-3}
bench_dir entropy
V="node $root/bin/vmfskit"
if [ ! -f ent4g.raw ]; then
  node -e "
    const fs = require('fs'); const M = 1 << 20; const fd = fs.openSync('ent4g.raw', 'w');
    let s = 7; const r = Buffer.alloc(16 * M); for (let i = 0; i < r.length; i += 4) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; r.writeUInt32LE(s, i); }
    const t = Buffer.alloc(16 * M, 'filesystem text 0123456789 ');
    for (let i = 0; i < 256; i++) fs.writeSync(fd, i % 3 ? t : r, 0, 16 * M, i * 16 * M);"
fi
uptime
for i in $(seq 1 "$RUNS"); do
  cat ent4g.raw > /dev/null
  /usr/bin/time -f "entropy   %e s (user %U s)" $V entropy -q ent4g.raw > /dev/null
  cat ent4g.raw > /dev/null
  /usr/bin/time -f "hash md5  %e s (user %U s)" $V hash -q -a md5 ent4g.raw > /dev/null
done
uptime
