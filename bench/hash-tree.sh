#!/usr/bin/env bash
# Benchmark (issue 18): a manifest of a whole datastore.
#   many:  vmfskit hash -r -a md5,sha256 of vmfs5-many (10 000 small files)
#          vs vmfs-fuse mount + hashdeep -r -c md5,sha256 + unmount (goal: <= 0.25x)
#          vs vmfskit mount + hashdeep -r + unmount
#          vs dissect.vmfs walking and hashing the same tree (bench/dissect-hash-tree.py)
#   big:   vmfskit hash -r of a volume holding one 1 GiB file vs vmfskit hash of that file (goal: <= 1.05x)
# Interleaved (every command once per round), inputs warmed before each run;
# median and best of RUNS (default 1). Writes bench/results-hash-tree.md (or $OUT_MD).
# Usage: bash bench/hash-tree.sh [RUNS]   (needs vmfs-fuse, hashdeep, FUSE, /tmp/dissect; npm run build first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
RUNS=${1:-1}
bench_dir hash-tree
V="node $root/bin/vmfskit"
export PYTHONPATH=${PYTHONPATH:-/tmp/dissect/dissect.vmfs:/tmp/dissect/dissect.cstruct:/tmp/dissect/dissect.util}

if [ ! -f vmfs5-many.img ] || [ ! -f big.img ]; then
  node --input-type=module -e "
import { buildVmfs5 } from '$root/dist/corpus/builders/vmfs5/index.js';
import { corpusVolumes } from '$root/dist/corpus/builders/vmfs5/volumes.js';
await buildVmfs5(corpusVolumes().find((v) => v.name === 'vmfs5-many.img').spec, 'vmfs5-many.img');
const GiB = 1 << 30;
await buildVmfs5({ label: 'bench-big', createTime: 1700000000, uuidSeed: 0x5201, devices: [{ pes: 5 }], root: [
  { type: 'dir', name: 'VM', mtime: 1700000001, children: [
    { type: 'file', name: 'VM-flat.vmdk', mode: 0o600, mtime: 1700000002, content: { kind: 'pattern', seed: 7, length: GiB } } ] } ] }, 'big.img');"
fi
mkdir -p m1 m2
mnt_hash() { # TOOL IMG MNT
  if [ "$1" = vmfs-fuse ]; then vmfs-fuse "$2" "$3"; else $V mount "$2" "$3" >/dev/null; fi
  # vmfskit's mount adds .disks/ (raw views of the LUN) and an info file: the volume's own tree only.
  if [ "$1" = vmfs-fuse ]; then hashdeep -c md5,sha256 -r "$3"; else find "$3" -mindepth 1 -maxdepth 1 ! -name .disks ! -name .vmfskit-info.txt -exec hashdeep -c md5,sha256 -r {} +; fi
  fusermount -u "$3"
}
export -f mnt_hash; export V

names=(); cmds=(); inputs=()
add() { names+=("$1"); inputs+=("$2"); cmds+=("$3"); }
add hash-r vmfs5-many.img "$V hash -r -a md5,sha256 vmfs5-many.img::/"
add vmfs-fuse+hashdeep vmfs5-many.img "bash -c 'mnt_hash vmfs-fuse vmfs5-many.img m1'"
add mount+hashdeep vmfs5-many.img "bash -c 'mnt_hash vmfskit vmfs5-many.img m2'"
add dissect vmfs5-many.img "python3 $root/bench/dissect-hash-tree.py vmfs5-many.img"
add big-hash-r big.img "$V hash -r -a md5,sha256 big.img::/VM"
add big-hash big.img "$V hash -a md5,sha256 big.img::/VM/VM-flat.vmdk"

# The answers must agree before the times mean anything.
$V hash -r --hashdeep -a md5,sha256 vmfs5-many.img::/ | grep -v '^[%#]' | LC_ALL=C sort > want.txt
python3 "$root/bench/dissect-hash-tree.py" vmfs5-many.img | LC_ALL=C sort | cmp - want.txt
a=$($V hash -r -a md5 big.img::/VM | cut -c1-32); b=$($V hash -a md5 big.img::/VM/VM-flat.vmdk | cut -c1-32); [ "$a" = "$b" ]

declare -A wall cpu
load_before=$(loadavg)
for ((r = 0; r < RUNS; r++)); do
  for i in "${!names[@]}"; do
    read -r w c < <(timed ${inputs[$i]} -- bash -c "${cmds[$i]}")
    wall[${names[$i]}]+="$w "; cpu[${names[$i]}]+="$c "
    echo "round $((r + 1)) ${names[$i]}: $w s wall, $c s CPU" >&2
  done
done
load_after=$(loadavg)
med() { echo "${wall[$1]}" | stats | cut -d' ' -f1; }
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN { printf "%.3f", a / b }'; }
{
  echo "# hash -r (issue 18): bash bench/hash-tree.sh $RUNS, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Load average before: $load_before; after: $load_after (2 cores shared with other work). Interleaved, warmed; median (best) wall s, median CPU s."
  echo
  echo "| case | wall median (best) | CPU median |"
  echo "|---|---|---|"
  for n in "${names[@]}"; do echo "| $n | $(echo "${wall[$n]}" | stats | awk '{print $1 " (" $2 ")"}') | $(echo "${cpu[$n]}" | stats | cut -d' ' -f1) |"; done
  echo
  echo "- hash -r / (vmfs-fuse + hashdeep -r): **$(ratio hash-r vmfs-fuse+hashdeep)** (goal <= 0.25)"
  echo "- hash -r / (vmfskit mount + hashdeep -r): $(ratio hash-r mount+hashdeep)"
  echo "- hash -r / dissect.vmfs walk + hash: $(ratio hash-r dissect)"
  echo "- hash -r of a volume with one 1 GiB file / hash of that file: **$(ratio big-hash-r big-hash)** (goal <= 1.05)"
} > "$OUT_MD"
cat "$OUT_MD"
