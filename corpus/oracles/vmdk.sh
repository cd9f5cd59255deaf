#!/usr/bin/env bash
# Live oracles for the VMDK corpus: re-runs qemu-img (info, map, convert) and
# vmdkinfo on every committed corpus/vmdk archive and compares with the
# MANIFEST "vmdk" section; rebuilds the VMware-layout stream file from its
# pattern and checks that qemu-img reads back exactly the source bytes.
# One line per check ("ok ..." / "MISMATCH ..."); exit 1 on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/../.."
node dist/corpus/builders/vmdk-record.js --check
