#!/usr/bin/env bash
# Benchmark `vmfskit triage` (issue 14): a datastore of 50 VM folders (each a
# copy of the built datastore's web01: .vmx with two NICs, .vmsd, descriptor
# and COWD delta, .vmsn, two vmware*.log) plus the host's .locker/log tree,
# inside a VMFS-5 LUN image — against what an examiner does without it: the
# same folders extracted to the host, then `find` + `grep` for the .vmx keys,
# the log events and the shell commands. One run of each (issue 14 asks for
# one run), the load recorded next to it. The grep pass reads less than triage
# does (no snapshot chains, no memory pairs, no inventory), so it is a floor.
# Writes bench/results-triage.md (or $OUT_MD).
# Usage: bash bench/triage.sh   (npm run build first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
bench_dir triage
VMFSKIT="node $root/bin/vmfskit"
if [ ! -f ds50.img ]; then
  echo "making ds50.img (VMFS-5, 50 VM folders + .locker/log)" >&2
  node --input-type=module -e "
    const { buildVmfs5 } = await import('$root/dist/corpus/builders/vmfs5/index.js');
    const { benchDatastoreSpec } = await import('$root/dist/corpus/builders/vmfs5/datastore.js');
    await buildVmfs5(benchDatastoreSpec(50), '$W/ds50.img');"
fi
if [ ! -d host ]; then
  mkdir host.partial
  $VMFSKIT extract ds50.img::/ host.partial > /dev/null
  mv host.partial host
fi
vms=$($VMFSKIT triage --json ds50.img | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).vms.length))')
[ "$vms" = 50 ] || { echo "triage found $vms VMs, expected 50" >&2; exit 1; }
grep_pass() {
  find host -name '*.vmx' -exec grep -H -E '^(displayName|guestOS|virtualHW\.version|uuid\.bios|vc\.uuid|memSize|ethernet[0-9]+\.|pciPassthru|usb|serial[0-9]|parallel[0-9]|floppy[0-9]|checkpoint\.vmState|[a-z]+[0-9]+:[0-9]+\.deviceType)' {} +
  find host -name 'vmware*.log' -exec grep -H -E 'Log for VMware|Hostname=|Transitioned vmx/execState|SnapshotVMX|MainMem: Writing|Received migrate|VMX has left' {} +
  find host -name 'shell.log' -exec grep -H ']: \[' {} +
}
export -f grep_pass
load0=$(loadavg)
t_tri=$(timed ds50.img -- $VMFSKIT triage --json ds50.img)
t_grep=$(cd "$W" && timed $(find host -type f) -- bash -c grep_pass)
load1=$(loadavg)
read -r tw tc <<< "$t_tri"
read -r gw gc <<< "$t_grep"
ratio=$(awk -v a="$tw" -v b="$gw" 'BEGIN{printf "%.2f", a/b}')
cat > "$OUT_MD" <<MD
# triage (issue 14)

\`bash bench/triage.sh\`, $(date -u '+%Y-%m-%d %H:%M UTC'), load before/after: $load0 / $load1 (the box is shared by
other sessions; one run of each, as the issue asks — rerun for a second figure).

| what | wall s | CPU s |
|---|---|---|
| \`vmfskit triage --json ds50.img\` (50 VM folders inside a VMFS-5 LUN image: .vmx, .vmsd, chains, memory pairs, logs, host logs) | $tw | $tc |
| \`find\` + \`grep\` over the same folders extracted to the host (.vmx keys, log events, shell commands only) | $gw | $gc |

Ratio triage / find+grep: **$ratio** (wall). The grep pass answers fewer questions (no chains, snapshot
states, memory pairs, inventory or findings) and needs the folders extracted first; triage reads the
LUN image as it is.
MD
cat "$OUT_MD"
