#!/usr/bin/env bash
# Live oracle check for hash / verify / compare (issue 6): the same inputs go
# through vmfskit and through md5sum, sha1sum, sha256sum, xxhsum -H1, hashdeep,
# qemu-img compare and debugvmfs, and the answers must agree:
#   - digests of a random file and of a sparse file with holes;
#   - a real hashdeep manifest verifies (exit 0), and fails with a flipped digit;
#   - compare: exit status and qemu-img's "Content mismatch at offset N!" line
#     for identical files, one byte changed at a grain edge / the last byte,
#     and a longer file with a zero / non-zero tail;
#   - files inside the shared VMFS images hash as debugvmfs cat reads them.
# Runs on its own or from corpus/check-oracles.sh; needs a built tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
for t in md5sum sha1sum sha256sum xxhsum hashdeep qemu-img; do
  command -v "$t" >/dev/null || { echo "hash: $t not installed" >&2; exit 2; }
done
V="node $PWD/bin/vmfskit"
w="$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-hash-oracle.XXXXXX")"
trap 'rm -rf "$w"' EXIT
fail=0
check() { # check WHAT EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fail=1; fi
}

head -c 5000000 /dev/urandom > "$w/r.bin"
truncate -s 48M "$w/s.bin"
head -c 70000 /dev/urandom | dd of="$w/s.bin" bs=4096 seek=3000 conv=notrunc status=none
for f in r.bin s.bin; do
  got=$($V hash -a md5,sha1,sha256,xxh64 --json "$w/$f" | node -e 'const j=JSON.parse(require("fs").readFileSync(0));const h=j.images[0].hashes;console.log([h.md5,h.sha1,h.sha256,h.xxh64].join(" "))')
  want="$(md5sum "$w/$f" | cut -d' ' -f1) $(sha1sum "$w/$f" | cut -d' ' -f1) $(sha256sum "$w/$f" | cut -d' ' -f1) $(xxhsum -H1 "$w/$f" 2>/dev/null | cut -d' ' -f1)"
  check "hash $f = md5sum sha1sum sha256sum xxhsum -H1" "$want" "$got"
  (cd "$w" && $V hash -a md5,sha1,sha256 "$f" > "$f.tag" && md5sum -c --status "$f.tag" && sha1sum -c --status "$f.tag" && sha256sum -c --status "$f.tag") \
    && check "hash $f output passes md5sum/sha1sum/sha256sum -c" ok ok || check "hash $f output passes md5sum/sha1sum/sha256sum -c" ok failed
done

(cd "$w" && hashdeep -c md5,sha256 -l r.bin s.bin > known.hd)
rc=0; $V verify -m "$w/known.hd" > /dev/null || rc=$?
check "verify of a real hashdeep file" 0 "$rc"
# Change the first digit of the first md5 column. hashdeep 4.4 itself calls this
# "partially matched" (sha256 still matches) and passes the audit (exit 0);
# vmfskit requires every listed digest to match and says FAILED (exit 1).
awk -F, -v OFS=, 'done || /^[%#]/ {print; next} {$2 = (substr($2,1,1)=="0" ? "1" : "0") substr($2,2); done=1; print}' "$w/known.hd" > "$w/bad.hd"
rc=0; (cd "$w" && hashdeep -a -k bad.hd -l r.bin s.bin > /dev/null) || rc=$?
check "hashdeep -a on the changed file: audit passed (partial match)" 0 "$rc"
rc=0; $V verify -m "$w/bad.hd" > /dev/null 2>&1 || rc=$?
check "verify of a hashdeep file with one digit changed" 1 "$rc"

cp "$w/r.bin" "$w/a.raw"
cp "$w/r.bin" "$w/same.raw"
flip() { cp "$w/a.raw" "$w/$1"; printf '\x5a' | dd of="$w/$1" bs=1 seek="$2" conv=notrunc status=none; }
flip grain.raw 65536; flip grainm1.raw 65535; flip last.raw 4999999
cp "$w/a.raw" "$w/longer0.raw"; truncate -s 6000000 "$w/longer0.raw"
cp "$w/longer0.raw" "$w/longer1.raw"; printf '\x01' | dd of="$w/longer1.raw" bs=1 seek=5500000 conv=notrunc status=none
for pair in "a.raw same.raw" "a.raw grain.raw" "a.raw grainm1.raw" "a.raw last.raw" "a.raw longer0.raw" "a.raw longer1.raw" "longer1.raw a.raw"; do
  set -- $pair
  q=0; qout=$(qemu-img compare "$w/$1" "$w/$2" 2>/dev/null | grep -v Warning | head -1) || q=$?
  v=0; vout=$($V compare "$w/$1" "$w/$2" 2>/dev/null | head -1) || v=$?
  check "compare $pair (qemu-img: $qout)" "$q $qout" "$v $vout"
done

# Every VMDK of the corpus: the four digests of its virtual disk in one pass equal md5sum, sha1sum,
# sha256sum and xxhsum -H1 of qemu-img's raw conversion. zero-extents is left out: qemu-img drops
# its ZERO/RDONLY extents (vmdk-anchors.md; the MANIFEST's sha256 for it comes from the format reference).
mkdir -p "$w/vmdk"
while IFS=$'\t' read -r name archive entry; do
  mkdir -p "$w/vmdk/$name"
  tar -xzf "corpus/$archive" -C "$w/vmdk/$name"
  qemu-img convert -f vmdk -O raw "$w/vmdk/$name/$entry" "$w/vmdk/$name.raw"
  raw="$w/vmdk/$name.raw"
  want="$(md5sum < "$raw" | cut -d' ' -f1) $(sha1sum < "$raw" | cut -d' ' -f1) $(sha256sum < "$raw" | cut -d' ' -f1) $(xxhsum -H1 < "$raw" 2>/dev/null | cut -d' ' -f1)"
  got=$($V hash -a md5,sha1,sha256,xxh64 --json "$w/vmdk/$name/$entry" | node -e 'const j=JSON.parse(require("fs").readFileSync(0));const h=j.images[0].hashes;console.log([h.md5,h.sha1,h.sha256,h.xxh64].join(" "))')
  check "hash vmdk $name = md5sum sha1sum sha256sum xxhsum -H1 of qemu-img convert -O raw" "$want" "$got"
  rm -rf "$w/vmdk/$name" "$raw"
done < <(node -e '
  const c = JSON.parse(require("fs").readFileSync("corpus/MANIFEST", "utf8")).vmdk.cases;
  for (const [k, v] of Object.entries(c)) if (k !== "zero-extents") console.log([k, v.archive, v.entry].join("\t"));
')

if [[ -f ../shared/corpus/esxi-vmfs5-small.bin.gz ]] && command -v debugvmfs >/dev/null; then
  zcat ../shared/corpus/esxi-vmfs5-small.bin.gz > "$w/v5.bin"
  for f in /directory/file4 /directory/file5 /directory/file1; do
    check "hash v5.bin::$f = debugvmfs cat | md5sum" "$(debugvmfs "$w/v5.bin" cat "$f" | md5sum | cut -d' ' -f1)" "$($V hash -a md5 "$w/v5.bin::$f" | cut -d' ' -f1)"
  done
fi
exit $fail
