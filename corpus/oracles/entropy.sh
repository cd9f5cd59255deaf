#!/usr/bin/env bash
# Live check for `vmfskit entropy` (issue 13 part 1) on a disk qemu-img made:
# the TSK corpus guest (MBR, FAT16, ext4), grown to 200 MiB and damaged the
# way lockers do (seeded: first and last MiB and a MiB every 64 MiB,
# corpus/builders/locker-damage.ts), converted by qemu-img to a
# monolithicSparse VMDK. The random runs vmfskit finds through the VMDK must
# be exactly the damaged ranges, and nothing else may be random or compressed.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-img >/dev/null || { echo "entropy: qemu-img not installed" >&2; exit 2; }
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-entropy-oracle.XXXXXX")"
trap 'rm -rf "$out"' EXIT
tar xzf corpus/tsk/tsk.tar.gz -C "$out"
qemu-img convert -f vmdk -O raw "$out/tsk-stream.vmdk" "$out/guest.raw"
ranges=$(node dist/corpus/builders/locker-damage.js "$out/guest.raw" "$out/damaged.raw" $((200 * 1048576)) spread)
qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse "$out/damaged.raw" "$out/damaged.vmdk"
bad=0
for f in damaged.raw damaged.vmdk; do
  got=$(bin/vmfskit entropy --json "$out/$f" | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const of = (c) => j.runs.filter((r) => r.class === c).map((r) => [r.start, r.end]);
    if (of("compressed").length) { console.log("compressed runs: " + JSON.stringify(of("compressed"))); process.exit(0); }
    console.log(JSON.stringify(of("random")));')
  if [[ $got == "$ranges" ]]; then echo "ok   entropy $f: random runs = damaged ranges $ranges"; else echo "FAIL entropy $f: $got, damaged $ranges"; bad=1; fi
done
exit $bad
