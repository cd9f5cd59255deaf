# Shared by the bench scripts (sourced, not run): warming, timing and
# statistics done one way everywhere, so every results-*.md is measured alike.
# The box is shared and the kernel evicts page-cache pages untouched for ~60 s
# (perf-notes "Read this first"): inputs are warmed right before each run, and
# CPU time (user+sys) is recorded next to wall time because it is steadier.

# bench_dir NAME: the work folder ($BENCH_DIR, else $TMPDIR/vmfskit-bench-NAME)
# becomes the current directory; sets W, and OUT_MD unless the caller set it
# (bench/results-NAME.md). Needs $root (the project root).
bench_dir() {
  W=${BENCH_DIR:-${TMPDIR:-/tmp}/vmfskit-bench-$1}
  OUT_MD=${OUT_MD:-$root/bench/results-$1.md}
  mkdir -p "$W"
  cd "$W"
}

# warm FILE...: read the files into the page cache.
warm() {
  local f
  for f in "$@"; do cat "$f" > /dev/null; done
}

# timed INPUTS... -- CMD...: warm INPUTS, run CMD (stdout discarded) and print
# "WALL CPU" in seconds (CPU = user + sys of CMD and its threads/children).
timed() {
  local inputs=() t
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  warm "${inputs[@]}"
  local rc=0
  t=$(mktemp "${TMPDIR:-/tmp}/vmfskit-bench-time.XXXXXX")
  /usr/bin/time -f '%e %U %S' -o "$t" "$@" > /dev/null || rc=$?
  # time(1) prefixes "Command exited with non-zero status N" to its output then.
  tail -n 1 "$t" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
  rm -f "$t"
  # A failed command's time means nothing: pass the failure on.
  return "$rc"
}

# stats [-h] [DECIMALS]: "MEDIAN BEST" of the numbers on stdin (whitespace
# separated). Best is the smallest (a time), or with -h the highest (a rate).
# An even count takes the mean of the two middle values. DECIMALS defaults to 3.
stats() {
  local high=0
  if [ "${1:-}" = "-h" ]; then high=1; shift; fi
  tr -s ' \t' '\n\n' | grep . | sort -g | awk -v d="${1:-3}" -v high="$high" '
    { a[NR] = $1 }
    END {
      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      f = "%." d "f %." d "f\n"
      printf f, m, high ? a[NR] : a[1]
    }'
}

# loadavg: the 1, 5 and 15 minute load averages (the runs are only as quiet as these).
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# make_half_zero_raw FILE MIB: MIB MiB alternating 1 MiB of random bytes and
# 1 MiB of zeros, every byte written (no holes for any tool to get for free).
make_half_zero_raw() {
  node -e "const fs=require('fs'),c=require('crypto');const fd=fs.openSync(process.argv[1],'w'),z=Buffer.alloc(1<<20);
    for(let i=0;i<Number(process.argv[2]);i++)fs.writeSync(fd,i%2?z:c.randomBytes(1<<20));fs.closeSync(fd)" "$1.partial" "$2"
  mv "$1.partial" "$1"
}
