#!/usr/bin/env bash
# npm run sample: the README's first command, on a small three-level VMDK
# snapshot chain from the corpus (case "chain": snaps/child2.vmdk ->
# snaps/child1.vmdk -> base/base.vmdk). Shows `vmfskit info`, then hashes
# the disk's content with `vmfskit cat | sha256sum` and prints the sha256
# that qemu-img recorded in corpus/MANIFEST beside it. Exit 1 if they differ.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/vmfskit-sample.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
tar -xzf "$ROOT/corpus/vmdk/chain.tar.gz" -C "$DIR"
EXPECTED=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(m.vmdk.cases.chain.sha256)' "$ROOT/corpus/MANIFEST")

cd "$DIR"
echo "\$ vmfskit info snaps/child2.vmdk"
"$ROOT/bin/vmfskit" info snaps/child2.vmdk
echo
echo "\$ vmfskit cat snaps/child2.vmdk | sha256sum"
GOT=$("$ROOT/bin/vmfskit" cat snaps/child2.vmdk | sha256sum | cut -d' ' -f1)
echo "$GOT  vmfskit cat"
echo "$EXPECTED  expected (qemu-img convert -O raw, recorded in corpus/MANIFEST)"
if [[ $GOT == "$EXPECTED" ]]; then echo "match"; else echo "MISMATCH" >&2; exit 1; fi
