#!/usr/bin/env bash
# Live check for `vmfskit descriptor` (issue 13 part 4): the descriptors it
# writes for the extents of the COWD (VM) and SESparse (SE) chains, whose own
# descriptors are removed, must make qemu-img convert give the bytes qemu-img
# gave for the intact chains (corpus/MANIFEST "deltas" states), and a
# monolithicFlat one (--hosted) likewise for the base.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-img >/dev/null || { echo "orphans: qemu-img not installed" >&2; exit 2; }
out="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-orphans-oracle.XXXXXX")"
trap 'rm -rf "$out"' EXIT
node -e "import('./dist/corpus/builders/delta-chains.js').then((m) => m.buildDeltaCorpus('$out/chains'))"
want() { node -e "const m=JSON.parse(require('fs').readFileSync('corpus/MANIFEST','utf8'));process.stdout.write(m.deltas.states.find(s=>s.id==='$1').sha256)"; }
bad=0
check() { # DIR TOP STATE
  qemu-img convert -f vmdk -O raw "$1/$2" "$out/q.raw"
  local got; got=$(sha256sum "$out/q.raw" | cut -d' ' -f1); rm -f "$out/q.raw"
  if [[ $got == "$(want "$3")" ]]; then echo "ok   orphans $3 qemu-img convert of the written $2 $got"; else echo "FAIL orphans $3: $got, MANIFEST $(want "$3")"; bad=1; fi
}
for vm in VM:delta SE:sesparse; do
  IFS=: read -r n ext <<<"$vm"
  d="$out/$n"; mkdir -p "$d"
  cp "$out/chains/$n/$n-flat.vmdk" "$out/chains/$n/$n-000001-$ext.vmdk" "$out/chains/$n/$n-000002-$ext.vmdk" "$d/"
  bin/vmfskit descriptor "$d/$n-flat.vmdk" -o "$d/$n.vmdk" 2>/dev/null
  bin/vmfskit descriptor "$d/$n-000001-$ext.vmdk" --parent "$d/$n.vmdk" -o "$d/$n-000001.vmdk" 2>/dev/null
  bin/vmfskit descriptor "$d/$n-000002-$ext.vmdk" --parent "$d/$n-000001.vmdk" -o "$d/$n-000002.vmdk" 2>/dev/null
  for i in 0 1 2; do top="$n-00000$i.vmdk"; [[ $i == 0 ]] && top="$n.vmdk"; check "$d" "$top" "$n@$i"; done
done
h="$out/hosted"; mkdir -p "$h"; cp "$out/chains/VM/VM-flat.vmdk" "$h/"
bin/vmfskit descriptor --hosted "$h/VM-flat.vmdk" -o "$h/VM.vmdk" 2>/dev/null
check "$h" VM.vmdk VM@0
exit $bad
