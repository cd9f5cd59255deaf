#!/usr/bin/env bash
# Benchmark the VMFS reader against vmfs-tools 0.2.5 (debugvmfs):
#   1. cat of a 1 GiB fully allocated flat file inside a VMFS-5 image
#      (vmfskit cat lun.img::/VM/VM-flat.vmdk vs debugvmfs lun.img cat /VM/VM-flat.vmdk)
#   2. listing a folder of 10 000 files
#      (vmfskit ls -l -R lun.img::/many vs debugvmfs lun.img ls -l /many)
# Images come from the VMFS-5 builder (corpus/builders/vmfs5) into $BENCH_DIR.
# Each command is warmed first (page cache), then timed with hyperfine.
# Writes bench/results-vmfs.md (or $OUT_MD).
# Usage: bash bench/vmfs.sh [RUNS]   (needs hyperfine, debugvmfs; run npm run build first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
RUNS=${1:-5}
bench_dir vmfs
VMFSKIT="node $root/bin/vmfskit"

if [ ! -f flat.img ]; then
  echo "making flat.img (VMFS-5, /VM/VM-flat.vmdk = 1 GiB of pattern data, thick)" >&2
  node --input-type=module -e "
    const { buildVmfs5 } = await import('$root/dist/corpus/builders/vmfs5/index.js');
    await buildVmfs5({ label: 'BENCH', createTime: 1700000000, uuidSeed: 21, devices: [{ pes: 5 }],
      root: [{ type: 'dir', name: 'VM', children: [
        { type: 'file', name: 'VM-flat.vmdk', mode: 0o600, content: { kind: 'pattern', seed: 7, length: 1 << 30 } } ] }] }, '$W/flat.img');"
fi
if [ ! -f many.img ]; then
  echo "making many.img (VMFS-5, /many = 10 000 small files)" >&2
  node --input-type=module -e "
    const { corpusVolumes } = await import('$root/dist/corpus/builders/vmfs5/volumes.js');
    const { buildVmfs5 } = await import('$root/dist/corpus/builders/vmfs5/index.js');
    await buildVmfs5(corpusVolumes().find((v) => v.name === 'vmfs5-many.img').spec, '$W/many.img');"
fi

# Same bytes from both readers, or the comparison means nothing.
a=$($VMFSKIT cat flat.img::/VM/VM-flat.vmdk | md5sum | cut -d' ' -f1)
b=$(debugvmfs flat.img cat /VM/VM-flat.vmdk | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ] || { echo "vmfs bench: vmfskit and debugvmfs disagree on VM-flat.vmdk ($a vs $b)" >&2; exit 1; }
n1=$($VMFSKIT ls -l -R flat.img >/dev/null; $VMFSKIT ls many.img::/many | wc -l)
n2=$(debugvmfs many.img ls /many | grep -vc '^\.\.\?$')
[ "$n1" = "$n2" ] || { echo "vmfs bench: listing sizes differ ($n1 vs $n2)" >&2; exit 1; }

# Node's own start-up, for scale: every vmfskit run pays it, debugvmfs does not.
hyperfine --warmup 1 --runs "$RUNS" --export-markdown start.md -n "vmfskit --version (start-up only)" "$VMFSKIT --version > /dev/null"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown cat.md \
  -n "vmfskit cat (1 GiB)" "$VMFSKIT cat flat.img::/VM/VM-flat.vmdk > /dev/null" \
  -n "debugvmfs cat (1 GiB)" "debugvmfs flat.img cat /VM/VM-flat.vmdk > /dev/null"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown ls.md \
  -n "vmfskit ls -l -R (10 000 files)" "$VMFSKIT ls -l -R many.img::/many > /dev/null" \
  -n "debugvmfs ls -l (10 000 files)" "debugvmfs many.img ls -l /many > /dev/null"

{
  echo "# VMFS reader benchmark"
  echo
  echo "Run: \`bash bench/vmfs.sh $RUNS\` on $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load average $(loadavg) at the end."
  echo "Inputs built by corpus/builders/vmfs5 in $W; page cache warm; both readers produce the same bytes (md5 $a)."
  echo
  echo "## cat of a 1 GiB flat file inside a VMFS-5 LUN image"
  echo
  cat cat.md
  echo
  echo "## listing a folder with 10 000 files"
  echo
  cat ls.md
  echo
  echo "## start-up cost included in every vmfskit figure above"
  echo
  cat start.md
} > "$OUT_MD"
echo "wrote $OUT_MD" >&2
