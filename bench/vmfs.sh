#!/usr/bin/env bash
# Benchmark the VMFS reader against vmfs-tools 0.2.5 (debugvmfs):
#   1. cat of a 1 GiB fully allocated flat file inside a VMFS-5 image
#      (vmfskit cat lun.img::/VM/VM-flat.vmdk vs debugvmfs lun.img cat /VM/VM-flat.vmdk)
#   2. listing a folder of 10 000 files
#      (vmfskit ls -l -R lun.img::/many vs debugvmfs lun.img ls -l /many)
# Images come from the VMFS-5 builder (corpus/builders/vmfs5) into $BENCH_DIR.
# Each command is warmed first (page cache), then timed with hyperfine, one run
# of each command per round so that competitors are interleaved (the box is
# shared: a burst of load then hits both alike); medians of the rounds.
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

# Same bytes from both readers, or the comparison means nothing: vmfskit's cat through a pipe and
# into a file (sendfile takes different kernel paths for the two) against debugvmfs.
b=$(debugvmfs flat.img cat /VM/VM-flat.vmdk | sha256sum | cut -d' ' -f1)
a=$($VMFSKIT cat flat.img::/VM/VM-flat.vmdk | sha256sum | cut -d' ' -f1)
[ "$a" = "$b" ] || { echo "vmfs bench: vmfskit (pipe) and debugvmfs disagree on VM-flat.vmdk ($a vs $b)" >&2; exit 1; }
$VMFSKIT cat flat.img::/VM/VM-flat.vmdk > cat-out.bin
a=$(sha256sum < cat-out.bin | cut -d' ' -f1)
rm -f cat-out.bin
[ "$a" = "$b" ] || { echo "vmfs bench: vmfskit (file) and debugvmfs disagree on VM-flat.vmdk ($a vs $b)" >&2; exit 1; }
n1=$($VMFSKIT ls -l -R flat.img >/dev/null; $VMFSKIT ls many.img::/many | wc -l)
n2=$(debugvmfs many.img ls /many | grep -vc '^\.\.\?$')
[ "$n1" = "$n2" ] || { echo "vmfs bench: listing sizes differ ($n1 vs $n2)" >&2; exit 1; }

# name|command, in the order of the table. Node's own start-up is timed for scale: every vmfskit
# run pays it, debugvmfs does not.
cmds=(
  "vmfskit cat (1 GiB)|$VMFSKIT cat flat.img::/VM/VM-flat.vmdk"
  "debugvmfs cat (1 GiB)|debugvmfs flat.img cat /VM/VM-flat.vmdk"
  "vmfskit ls -l -R (10 000 files)|$VMFSKIT ls -l -R many.img::/many"
  "debugvmfs ls -l (10 000 files)|debugvmfs many.img ls -l /many"
  "vmfskit --version (start-up only)|$VMFSKIT --version"
  "node -e 0 (Node itself)|node -e 0"
)
args=()
for c in "${cmds[@]}"; do args+=(-n "${c%%|*}" "${c#*|}"); done
load_before=$(loadavg)
warm flat.img many.img
hyperfine -N --output=null --warmup 1 --runs 1 "${args[@]}" > /dev/null 2>&1
rm -f round-*.json
for r in $(seq "$RUNS"); do
  warm flat.img many.img
  hyperfine -N --output=null --runs 1 --export-json "round-$r.json" "${args[@]}" > /dev/null 2>&1
done
load_after=$(loadavg)

# Median / best wall and median CPU (user + sys) of each command over the rounds, and the ratios.
table=$(node -e '
  const fs = require("fs");
  const rounds = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8")).results);
  const med = (a) => { a = [...a].sort((x, y) => x - y); const n = a.length; return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2; };
  const ms = (s) => (s * 1000).toFixed(0);
  const rows = rounds[0].map((r, i) => {
    const wall = rounds.map((x) => x[i].times[0]);
    const cpu = rounds.map((x) => x[i].user + x[i].system);
    return { name: r.command, wall, m: med(wall), best: Math.min(...wall), cpu: med(cpu) };
  });
  console.log("| command | median wall ms | best ms | median CPU ms (user+sys) | all rounds, wall ms |");
  console.log("|:---|---:|---:|---:|:---|");
  for (const r of rows) console.log(`| \`${r.name}\` | ${ms(r.m)} | ${ms(r.best)} | ${ms(r.cpu)} | ${r.wall.map(ms).join(" ")} |`);
  const ratio = (a, b) => `**${(rows[a].m / rows[b].m).toFixed(2)}** (CPU ${(rows[a].cpu / rows[b].cpu).toFixed(2)})`;
  console.log();
  console.log(`Ratios of medians, vmfskit / debugvmfs (goal < 1.0): cat ${ratio(0, 1)}; ls ${ratio(2, 3)}.`);
' $(for r in $(seq "$RUNS"); do echo "round-$r.json"; done))

{
  echo "# VMFS reader benchmark"
  echo
  echo "Run: \`bash bench/vmfs.sh $RUNS\` (after \`npm run build\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, node $(node -v), hyperfine $(hyperfine --version | cut -d' ' -f2)."
  echo "Load average before / after: $load_before / $load_after. Inputs built by corpus/builders/vmfs5 in $W; page cache warmed before every round;"
  echo "$RUNS rounds, each running every command once in turn (interleaved), stdout to /dev/null."
  echo "Checked first: sha256 of \`vmfskit cat\` through a pipe and into a file = sha256 of \`debugvmfs cat\` ($b); both list the same number of entries."
  echo
  echo "$table"
} > "$OUT_MD"
echo "wrote $OUT_MD" >&2
