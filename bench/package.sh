#!/usr/bin/env bash
# The self-contained executable against node bin/vmfskit (issue 17): size, start-up (--version,
# and node -e 0 for Node's own floor), ls -l -R of the 10 000-file VMFS-5 volume, hash of a
# 2 GiB sparse VMDK. Writes bench/results-package.md. Usage: bash bench/package.sh [RUNS]
# (npm run package first; needs hyperfine, qemu-img/qemu-io).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
RUNS=${1:-10}
SEA=$root/release/vmfskit-linux-x64
NODEBIN="node $root/bin/vmfskit"
[ -x "$SEA" ] || { echo "bench/package.sh: run npm run package first" >&2; exit 1; }
bench_dir package
if [ ! -f many.img ]; then
  node --input-type=module -e "
    const { corpusVolumes } = await import('$root/dist/corpus/builders/vmfs5/volumes.js');
    const { buildVmfs5 } = await import('$root/dist/corpus/builders/vmfs5/index.js');
    await buildVmfs5(corpusVolumes().find((v) => v.name === 'vmfs5-many.img').spec, '$W/many.img');"
fi
if [ ! -f sparse.vmdk ]; then
  # 2 GiB monolithicSparse, 256 MiB of data in four places, the rest unallocated.
  qemu-img create -q -f vmdk sparse.vmdk 2G
  for o in 0 512M 1G 1920M; do qemu-io -f vmdk -c "write -P 0x5a $o 64M" sparse.vmdk > /dev/null; done
fi
# Same answers from both, and the hash equal to qemu-img's raw bytes, or the timing means nothing.
want=$(qemu-img convert -O raw sparse.vmdk /dev/stdout | sha256sum | cut -d' ' -f1)
for v in "$SEA" "$NODEBIN"; do
  [ "$($v hash -a sha256 sparse.vmdk | cut -d' ' -f1)" = "$want" ] || { echo "bench/package.sh: $v hash differs from qemu-img" >&2; exit 1; }
done
[ "$($SEA ls -l -R many.img::/many | sha256sum)" = "$($NODEBIN ls -l -R many.img::/many | sha256sum)" ] || { echo "ls differs" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
hf() { hyperfine -N --style none --warmup 2 --runs "$1" --export-json "$W/hf.json" "${@:2}" > /dev/null 2>&1
  node -e 'for (const r of require(process.argv[1]).results) console.log(`| \`${r.command.replace(process.argv[2], "")}\` | ${(r.median*1000).toFixed(0)} ms | ${(r.min*1000).toFixed(0)} ms | ${((r.user+r.system)*1000).toFixed(0)} ms |`)' "$W/hf.json" "$root/"; }
{
  echo "# Self-contained executable vs node bin/vmfskit"
  echo
  echo "\`bash bench/package.sh $RUNS\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(node --version); executable $(stat -c %s "$SEA") bytes ($("$SEA" --version)), .deb $(stat -c %s "$root"/release/vmfskit_*_amd64.deb) bytes."
  echo "hyperfine -N, median / best wall time and mean CPU (user+sys); load average before each group in the row heading."
  echo
  echo "| command | median | best | CPU |"
  echo "|---|---|---|---|"
  echo "| **start-up** (load $(load)) | | | |"
  hf $((RUNS * 3)) "$SEA --version" "$NODEBIN --version" "node -e 0"
  echo "| **ls -l -R, 10 000 files** (load $(load)) | | | |"
  warm many.img
  hf "$RUNS" "$SEA ls -l -R many.img::/many" "$NODEBIN ls -l -R many.img::/many"
  echo "| **hash -a md5,sha256, 2 GiB sparse VMDK (256 MiB data)** (load $(load)) | | | |"
  warm sparse.vmdk
  hf "$RUNS" "$SEA hash -a md5,sha256 sparse.vmdk" "$NODEBIN hash -a md5,sha256 sparse.vmdk"
} > "$OUT_MD"
cat "$OUT_MD"
