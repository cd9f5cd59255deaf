#!/usr/bin/env bash
# Sequential read throughput through FUSE: vmfskit mount vs vmfs-fuse (a 1 GiB
# flat file in a VMFS-5 volume) and vs vmdkmount (a 1 GiB monolithicSparse
# VMDK, half of its grains empty). `dd bs=1M` from a separate process, the
# competitors interleaved (A, B, A, B ...), each file's page cache dropped
# before each run (`dd iflag=nocache count=0`), the backing image warm.
# Needs: qemu-img, vmfs-fuse, vmdkmount, fusermount, python3. Figures: bench/results-mount.md.
# Usage: bash bench/mount.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RUNS="${1:-3}"
VMFSKIT="$PWD/bin/vmfskit"
work="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-bench-mount.XXXXXX")"
mnts=()
cleanup() {
  for m in "${mnts[@]}"; do fusermount -uz "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

npx tsc -p . >/dev/null || true

# --- inputs -----------------------------------------------------------------
node --input-type=module -e "
import { buildVmfs5 } from '$PWD/dist/corpus/builders/vmfs5/index.js';
await buildVmfs5({ label: 'BENCH', createTime: 1700000000, uuidSeed: 9, devices: [{ pes: 5 }],
  root: [{ type: 'dir', name: 'VM', children: [
    { type: 'file', name: 'VM-flat.vmdk', content: { kind: 'pattern', seed: 1, length: 1 << 30 }, provisioning: 'thick' } ] }] },
  '$work/lun.img');
"
# A raw disk whose odd MiBs are data (one random MiB, stamped with its index) and even MiBs zeros.
python3 - "$work/half.raw" <<'PY'
import os, sys
block = bytearray(os.urandom(1 << 20))
with open(sys.argv[1], 'wb') as f:
    f.truncate(1 << 30)
    for i in range(1, 1024, 2):
        block[0:8] = i.to_bytes(8, 'little')
        f.seek(i << 20)
        f.write(block)
PY
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$work/half.raw" "$work/sparse.vmdk"
rm -f "$work/half.raw"

mkdir -p "$work/m-vmfskit" "$work/m-vmfsfuse" "$work/m-vmdk-ours" "$work/m-vmdkmount"
"$VMFSKIT" mount --log "$work/vmfskit-vmfs.log" "$work/lun.img" "$work/m-vmfskit" >/dev/null; mnts+=("$work/m-vmfskit")
vmfs-fuse "$work/lun.img" "$work/m-vmfsfuse"; mnts+=("$work/m-vmfsfuse")
"$VMFSKIT" mount --log "$work/vmfskit-vmdk.log" "$work/sparse.vmdk" "$work/m-vmdk-ours" >/dev/null; mnts+=("$work/m-vmdk-ours")
vmdkmount "$work/sparse.vmdk" "$work/m-vmdkmount" >/dev/null; mnts+=("$work/m-vmdkmount")

# Same bytes through every mount (checked once, outside the timing).
a=$(sha256sum < "$work/m-vmfskit/VM/VM-flat.vmdk"); b=$(sha256sum < "$work/m-vmfsfuse/VM/VM-flat.vmdk")
[ "$a" = "$b" ] || { echo "vmfs views differ: $a / $b" >&2; exit 1; }
c=$(sha256sum < "$work/m-vmdk-ours/sparse.raw"); d=$(sha256sum < "$work/m-vmdkmount/vmdk1")
[ "$c" = "$d" ] || { echo "vmdk views differ: $c / $d" >&2; exit 1; }

# MB/s of one cold-cache sequential read of FILE (decimal MB, like dd).
rate() {
  dd if="$1" iflag=nocache count=0 status=none
  local s e
  s=$(date +%s.%N)
  dd if="$1" of=/dev/null bs=1M status=none
  e=$(date +%s.%N)
  echo "scale=0; 1073.741824 / ($e - $s)" | bc
}

declare -A all
for r in $(seq 1 "$RUNS"); do
  warm "$work/lun.img" "$work/sparse.vmdk"   # the evidence warm for every competitor
  all[vmfskit-vmfs]+="$(rate "$work/m-vmfskit/VM/VM-flat.vmdk") "
  all[vmfs-fuse]+="$(rate "$work/m-vmfsfuse/VM/VM-flat.vmdk") "
  all[vmfskit-vmdk]+="$(rate "$work/m-vmdk-ours/sparse.raw") "
  all[vmdkmount]+="$(rate "$work/m-vmdkmount/vmdk1") "
done

# Small random reads (what TSK does): 20 000 random 4 KiB preads from a separate process, fresh seed per run.
iops() {
  dd if="$1" iflag=nocache count=0 status=none   # kernel_cache would otherwise answer from the last sequential run
  python3 - "$1" "$2" <<'PY'
import os, random, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
random.seed(int(sys.argv[2]))
offs = [random.randrange(0, size // 4096) * 4096 for _ in range(20000)]
t = time.time()
for o in offs:
    os.pread(fd, 4096, o)
print(int(20000 / (time.time() - t)))
PY
}
for r in $(seq 1 "$RUNS"); do
  all[iops-vmfskit-vmdk]+="$(iops "$work/m-vmdk-ours/sparse.raw" "$r") "
  all[iops-vmdkmount]+="$(iops "$work/m-vmdkmount/vmdk1" "$((r + 100))") "
done

echo "load average: $(loadavg)"
printf '%-18s %-34s %8s %8s\n' 'mount (MB/s|IOPS)' runs median best
for k in vmfskit-vmfs vmfs-fuse vmfskit-vmdk vmdkmount iops-vmfskit-vmdk iops-vmdkmount; do
  # MB/s and IOPS: the best run is the highest.
  read -r m b < <(stats -h 0 <<<"${all[$k]}")
  printf '%-18s %-34s %8s %8s\n' "$k" "${all[$k]}" "$m" "$b"
done
