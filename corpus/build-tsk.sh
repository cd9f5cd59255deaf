#!/usr/bin/env bash
# Builds corpus/tsk: a 16 MiB disk with an MBR, a FAT16 partition and an
# ext4 partition holding files with known names, written as monolithicSparse
# and streamOptimized VMDKs by qemu-img, and records in corpus/MANIFEST
# ("tsk") what the independent tools say about the raw disk: qemu-img's raw
# sha256, mmls's partition table and fls's file names per partition.
# No loop devices, no mounting: mkfs.ext4 -d and mtools populate the file systems.
#
# Needs: sfdisk, mkfs.fat, mtools (mcopy/mmd), mkfs.ext4 (e2fsprogs >= 1.43 for -d),
#        qemu-img, mmls, fls, node (and a built project: npm run build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
for t in sfdisk mkfs.fat mcopy mmd mkfs.ext4 qemu-img mmls fls node tar; do
  command -v "$t" >/dev/null || { echo "build-tsk.sh: $t is missing (apt-get install fdisk dosfstools mtools e2fsprogs qemu-utils sleuthkit)" >&2; exit 1; }
done
[ -f "$root/dist/corpus/builders/manifest.js" ] || { echo "build-tsk.sh: run 'npm run build' first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

MiB=1048576
DISK_SECTORS=32768                  # 16 MiB
FAT_START=2048;  FAT_SECTORS=12288  # 6 MiB FAT16
EXT_START=14336; EXT_SECTORS=$((DISK_SECTORS - EXT_START))

truncate -s $((DISK_SECTORS * 512)) disk.raw
printf 'label: dos\nlabel-id: 0x5646534b\nunit: sectors\n\nstart=%d, size=%d, type=6\nstart=%d, size=%d, type=83\n' \
  $FAT_START $FAT_SECTORS $EXT_START $EXT_SECTORS | sfdisk -q disk.raw

# FAT16 with two files and a folder (mtools writes into the image file directly).
truncate -s $((FAT_SECTORS * 512)) fat.img
mkfs.fat -F 16 -s 1 -n VMFSKITFAT -i 5646534b fat.img >/dev/null
printf 'Hello from the FAT partition of the vmfskit TSK corpus.\n' > hello.txt
head -c 20000 /dev/urandom > photo.jpg
printf 'Report body.\n' > report.txt
export MTOOLS_SKIP_CHECK=1
mcopy -i fat.img hello.txt ::HELLO.TXT
mmd -i fat.img ::DOCS
mcopy -i fat.img report.txt ::DOCS/REPORT.TXT
mcopy -i fat.img photo.jpg ::DOCS/PHOTO.JPG

# ext4 populated from a folder (mkfs.ext4 -d).
mkdir -p tree/evidence/deep
printf 'vmfskit tsk corpus: ext4 partition\n' > tree/readme.txt
printf 'examiner notes\n' > tree/evidence/notes.txt
seq 1 100000 > tree/evidence/blob.bin
printf 'bottom\n' > tree/evidence/deep/leaf.txt
truncate -s $((EXT_SECTORS * 512)) ext.img
mkfs.ext4 -q -F -b 1024 -L vmfskit-ext4 -U 5646534b-0000-4000-8000-000000000002 -E root_owner=0:0 -d tree ext.img

dd if=fat.img of=disk.raw bs=512 seek=$FAT_START conv=notrunc,sparse status=none
dd if=ext.img of=disk.raw bs=512 seek=$EXT_START conv=notrunc,sparse status=none

qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse disk.raw tsk-sparse.vmdk
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized disk.raw tsk-stream.vmdk

# The oracles, on the qemu-img raw of each VMDK (they must agree with each other and with disk.raw).
for f in sparse stream; do qemu-img convert -f vmdk -O raw "tsk-$f.vmdk" "oracle-$f.raw"; done
cmp disk.raw oracle-sparse.raw
cmp disk.raw oracle-stream.raw
node "$here/tsk/tsk-tools.mjs" oracle-sparse.raw $FAT_START $EXT_START > tsk-view.json
node "$here/tsk/tsk-tools.mjs" oracle-stream.raw $FAT_START $EXT_START | cmp - tsk-view.json

mkdir -p "$here/tsk"
tar -czf "$here/tsk/tsk.tar.gz" --owner=0 --group=0 --mtime=@0 tsk-sparse.vmdk tsk-stream.vmdk

VERSIONS="qemu-img $(qemu-img --version | head -1 | awk '{print $3}'); $(fls -V); $(mkfs.ext4 -V 2>&1 | head -1); dosfstools $(dpkg-query -W -f='${Version}' dosfstools); mtools $(mcopy --version | head -1 | awk '{print $NF}')" \
node --input-type=module - "$root" <<'JS'
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
const root = process.argv[2];
const { writeSection } = await import(`${root}/dist/corpus/builders/manifest.js`);
const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
const file = (p) => ({ path: p, size: statSync(p).size, sha256: sha(p) });
const view = JSON.parse(readFileSync('tsk-view.json', 'utf8'));
const raw = sha('disk.raw');
const common = { archive: 'tsk/tsk.tar.gz', files: [file('tsk-sparse.vmdk'), file('tsk-stream.vmdk')], virtualSize: statSync('disk.raw').size, sha256: raw, sha256Source: 'qemu-img convert -O raw' };
writeSection('tsk', {
  about: 'MBR disk (FAT16 + ext4 with known files) as monolithicSparse and streamOptimized VMDKs; expected TSK results on its raw form',
  tools: process.env.VERSIONS,
  cases: {
    sparse: { ...common, entry: 'tsk-sparse.vmdk', createType: 'monolithicSparse' },
    stream: { ...common, entry: 'tsk-stream.vmdk', createType: 'streamOptimized' },
  },
  mmls: view.mmls,
  fls: view.fls,
});
JS
echo "corpus/tsk: $(du -b "$here/tsk/tsk.tar.gz" | cut -f1) bytes; MANIFEST section tsk written"
