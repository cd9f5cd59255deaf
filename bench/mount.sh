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

load=$(loadavg)
ratio() { echo "scale=2; $1 / $2" | bc; }
med() { stats -h 0 <<<"${all[$1]}" | cut -d' ' -f1; }
OUT_MD=${OUT_MD:-bench/results-mount.md}
{
  echo "# vmfskit mount — throughput against vmfs-fuse and vmdkmount (bench/mount.sh)"
  echo
  echo "Command: \`bash bench/mount.sh $RUNS\` (after \`npm run build\`), run $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs, node $(node -v),"
  echo "vmfskit's FUSE binding: $(sed -n 's/.*FUSE binding: \(.*\))$/\1/p' "$work/vmfskit-vmfs.log" | head -1); libfuse $(dpkg-query -W -f='${Version}' libfuse2 2>/dev/null), vmfs-tools $(dpkg-query -W -f='${Version}' vmfs-tools 2>/dev/null), libvmdk-utils $(dpkg-query -W -f='${Version}' libvmdk-utils 2>/dev/null). Load average at end: $load."
  echo
  echo "- VMFS: a 1.25 GiB VMFS-5 LUN built by corpus/builders/vmfs5 holding /VM/VM-flat.vmdk (1 GiB thick pattern),"
  echo "  mounted by \`vmfskit mount\` and \`vmfs-fuse\`; \`dd if=MNT/VM/VM-flat.vmdk of=/dev/null bs=1M\`."
  echo "- VMDK: a 1 GiB monolithicSparse (odd MiBs random, even MiBs zeros) mounted by \`vmfskit mount\` (MNT/sparse.raw)"
  echo "  and \`vmdkmount\` (MNT/vmdk1); same dd. Random: 20 000 random 4 KiB preads (Python, one reader)."
  echo "- Both views' sha256 are checked equal first. Before each timed read the evidence is warmed and the"
  echo "  mounted file's page cache dropped (\`dd iflag=nocache count=0\`), so every byte crosses FUSE; competitors interleaved."
  echo
  echo "| mount | runs | median | best | ratio of medians (goal) |"
  echo "|---|---|---|---|---|"
  echo "| vmfskit, 1 GiB file in VMFS-5 (MB/s) | ${all[vmfskit-vmfs]}| $(med vmfskit-vmfs) | $(stats -h 0 <<<"${all[vmfskit-vmfs]}" | cut -d' ' -f2) | **$(ratio "$(med vmfskit-vmfs)" "$(med vmfs-fuse)") × vmfs-fuse** (≥ 1.2) |"
  echo "| vmfs-fuse (MB/s) | ${all[vmfs-fuse]}| $(med vmfs-fuse) | $(stats -h 0 <<<"${all[vmfs-fuse]}" | cut -d' ' -f2) | |"
  echo "| vmfskit, monolithicSparse raw view (MB/s) | ${all[vmfskit-vmdk]}| $(med vmfskit-vmdk) | $(stats -h 0 <<<"${all[vmfskit-vmdk]}" | cut -d' ' -f2) | **$(ratio "$(med vmfskit-vmdk)" "$(med vmdkmount)") × vmdkmount** (≥ 1.0) |"
  echo "| vmdkmount (MB/s) | ${all[vmdkmount]}| $(med vmdkmount) | $(stats -h 0 <<<"${all[vmdkmount]}" | cut -d' ' -f2) | |"
  echo "| random 4 KiB, vmfskit (IOPS) | ${all[iops-vmfskit-vmdk]}| $(med iops-vmfskit-vmdk) | $(stats -h 0 <<<"${all[iops-vmfskit-vmdk]}" | cut -d' ' -f2) | **$(ratio "$(med iops-vmfskit-vmdk)" "$(med iops-vmdkmount)") ×** |"
  echo "| random 4 KiB, vmdkmount (IOPS) | ${all[iops-vmdkmount]}| $(med iops-vmdkmount) | $(stats -h 0 <<<"${all[iops-vmdkmount]}" | cut -d' ' -f2) | |"
  if [ -f bench/mount-notes.md ]; then echo; cat bench/mount-notes.md; fi
} > "$OUT_MD.tmp"
mv "$OUT_MD.tmp" "$OUT_MD"
cat "$OUT_MD"
