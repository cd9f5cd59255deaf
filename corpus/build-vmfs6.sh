#!/usr/bin/env bash
# Build the VMFS-6 / VMFS-L test images (corpus/builders/vmfs6/volumes.ts and
# the ESXi 8 boot disk, bootdisk.ts) into corpus/out/ (sparse, gitignored),
# have debugvmfs6 (vmfs6-tools) and dissect.vmfs (from /tmp/dissect, see
# shared/docs/oracle-dissect.md) judge every file, and record both verdicts
# in the "vmfs6" section of corpus/MANIFEST. With VMFSKIT_V6IMAGES=DIR the
# images and a README of their layout and oracle results are copied there.
# Needs vmfs6-tools, gdisk, sleuthkit, dosfstools, mtools, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in debugvmfs6 sgdisk mmls mkfs.vfat mcopy python3; do
  command -v "$t" >/dev/null || { echo "vmfs6: $t not installed" >&2; exit 2; }
done
if [[ ! -d /tmp/dissect/dissect.vmfs ]]; then
  echo "vmfs6: /tmp/dissect/dissect.vmfs is absent: dissect's verdicts will read 'not run' in the MANIFEST (see shared/docs/oracle-dissect.md)" >&2
fi
npx tsc -p . >/dev/null || true   # other areas' type errors must not stop this build
node dist/corpus/builders/vmfs6/corpus-build.js corpus/out --record ${VMFSKIT_V6IMAGES:+--publish "$VMFSKIT_V6IMAGES"}
