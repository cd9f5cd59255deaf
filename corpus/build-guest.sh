#!/usr/bin/env bash
# Builds corpus/guest: a 400 MiB GPT guest disk (sgdisk) holding FAT32 (mkfs.vfat +
# mcopy), ext4 (mkfs.ext4 -d, 4 KiB blocks, 32 MiB groups so that backup superblocks
# sit at groups 1, 3 and 5) and NTFS (mkntfs + ntfscp from Debian's ntfs-3g, taken
# with `apt-get download` + `dpkg -x` and run from the extracted tree: installing
# ntfs-3g would remove fuse here), written as a monolithicSparse VMDK by qemu-img,
# and records in corpus/MANIFEST ("guest") what the independent tools say about the
# raw disk: qemu-img's raw sha256, mmls's table and fls -r per partition.
# The damaged copies (wiped first MiB, locker-style chunks, destroyed boot sectors
# and superblocks) are made by the tests with a seeded PRNG from this disk.
#
# Needs: sgdisk, mkfs.vfat, mtools, mkfs.ext4 (>= 1.43), apt-get + dpkg (for ntfs-3g),
#        qemu-img, mmls, fls, node (and a built project: npm run build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
for t in sgdisk mkfs.vfat mcopy mmd mkfs.ext4 qemu-img mmls fls node tar apt-get dpkg; do
  command -v "$t" >/dev/null || { echo "build-guest.sh: $t is missing (apt-get install gdisk dosfstools mtools e2fsprogs qemu-utils sleuthkit)" >&2; exit 1; }
done
[ -f "$root/dist/corpus/builders/manifest.js" ] || { echo "build-guest.sh: run 'npm run build' first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# mkntfs/ntfscp without installing ntfs-3g.
mkdir -p debs ntfs3g
(cd debs && apt-get download ntfs-3g libntfs-3g89 >/dev/null 2>&1) || { echo "build-guest.sh: apt-get download ntfs-3g failed" >&2; exit 1; }
for d in debs/*.deb; do dpkg -x "$d" ntfs3g; done
export LD_LIBRARY_PATH="$work/ntfs3g/lib/x86_64-linux-gnu:$work/ntfs3g/usr/lib/x86_64-linux-gnu"
MKNTFS="$work/ntfs3g/sbin/mkntfs"; NTFSCP="$work/ntfs3g/sbin/ntfscp"
NTFS_VERSION=$("$MKNTFS" --version 2>&1 | grep -o 'v[0-9.]*' | head -1)

DISK_SECTORS=819200                     # 400 MiB
FAT_START=2048;    FAT_SECTORS=131072   # 64 MiB FAT32
EXT_START=133120;  EXT_SECTORS=393216   # 192 MiB ext4
NTFS_START=526336; NTFS_SECTORS=262144  # 128 MiB NTFS

truncate -s $((DISK_SECTORS * 512)) disk.raw
sgdisk -o -U 5646534B-0000-4000-8000-000000000000 \
  -n 1:$FAT_START:$((FAT_START + FAT_SECTORS - 1)) -t 1:0700 -c 1:guest-fat32 -u 1:5646534B-0000-4000-8000-000000000001 \
  -n 2:$EXT_START:$((EXT_START + EXT_SECTORS - 1)) -t 2:8300 -c 2:guest-ext4 -u 2:5646534B-0000-4000-8000-000000000002 \
  -n 3:$NTFS_START:$((NTFS_START + NTFS_SECTORS - 1)) -t 3:0700 -c 3:guest-ntfs -u 3:5646534B-0000-4000-8000-000000000003 \
  disk.raw >/dev/null  # (-q makes this sgdisk 1.0.9 write nothing)

mkdir -p files
printf 'Hello from the FAT32 partition of the vmfskit guest corpus.\n' > files/hello.txt
printf 'Report body.\n' > files/report.txt
seq 1 5000 > files/numbers.txt
printf 'NTFS readme\n' > files/ntfs-readme.txt
seq 1 20000 > files/ntfs-data.txt
touch -d @1700000000 files/*

export MTOOLS_SKIP_CHECK=1
truncate -s $((FAT_SECTORS * 512)) fat.img
mkfs.vfat -F 32 -s 1 -n GUESTFAT -i 5646534b fat.img >/dev/null
mcopy -m -i fat.img files/hello.txt ::HELLO.TXT
mmd -i fat.img ::DOCS
mcopy -m -i fat.img files/report.txt ::DOCS/REPORT.TXT
mcopy -m -i fat.img files/numbers.txt ::DOCS/NUMBERS.TXT

mkdir -p tree/evidence/deep
printf 'vmfskit guest corpus: ext4 partition\n' > tree/readme.txt
printf 'examiner notes\n' > tree/evidence/notes.txt
seq 1 100000 > tree/evidence/blob.bin
printf 'bottom\n' > tree/evidence/deep/leaf.txt
find tree -exec touch -h -d @1700000000 {} +
truncate -s $((EXT_SECTORS * 512)) ext.img
E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -b 4096 -g 8192 -L guest-ext4 -U 5646534b-0000-4000-8000-0000000000e4 -E root_owner=0:0 -d tree ext.img

truncate -s $((NTFS_SECTORS * 512)) ntfs.img
"$MKNTFS" -q -F -Q -s 512 -p $NTFS_START -H 255 -S 63 -L GUESTNTFS ntfs.img >/dev/null
"$NTFSCP" -q ntfs.img files/ntfs-readme.txt README.TXT
"$NTFSCP" -q ntfs.img files/ntfs-data.txt DATA.TXT

dd if=fat.img of=disk.raw bs=512 seek=$FAT_START conv=notrunc,sparse status=none
dd if=ext.img of=disk.raw bs=512 seek=$EXT_START conv=notrunc,sparse status=none
dd if=ntfs.img of=disk.raw bs=512 seek=$NTFS_START conv=notrunc,sparse status=none

qemu-img convert -f raw -O vmdk -o subformat=monolithicSparse disk.raw guest-sparse.vmdk
qemu-img convert -f vmdk -O raw guest-sparse.vmdk oracle.raw
cmp disk.raw oracle.raw
node "$here/tsk/tsk-tools.mjs" oracle.raw $FAT_START $EXT_START $NTFS_START > tsk-view.json

tar -czf "$here/guest/guest.tar.gz" --owner=0 --group=0 --mtime=@0 guest-sparse.vmdk

VERSIONS="qemu-img $(qemu-img --version | head -1 | awk '{print $3}'); $(fls -V); $(mkfs.ext4 -V 2>&1 | head -1); dosfstools $(dpkg-query -W -f='${Version}' dosfstools); mtools $(mcopy --version | head -1 | awk '{print $NF}'); sgdisk $(sgdisk --version | head -1 | awk '{print $NF}'); mkntfs $NTFS_VERSION (ntfs-3g, dpkg -x)" \
node --input-type=module - "$root" <<'JS'
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
const root = process.argv[2];
const { writeSection } = await import(`${root}/dist/corpus/builders/manifest.js`);
const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
const view = JSON.parse(readFileSync('tsk-view.json', 'utf8'));
writeSection('guest', {
  about: 'GPT guest disk: FAT32 (p1), ext4 with backup superblocks at groups 1/3/5 (p2), NTFS (p3), with files; monolithicSparse VMDK; expected TSK results on its raw form (the damaged copies are made by the tests from it)',
  tools: process.env.VERSIONS,
  cases: {
    sparse: {
      archive: 'guest/guest.tar.gz',
      entry: 'guest-sparse.vmdk',
      files: [{ path: 'guest-sparse.vmdk', size: statSync('guest-sparse.vmdk').size, sha256: sha('guest-sparse.vmdk') }],
      virtualSize: statSync('disk.raw').size,
      sha256: sha('disk.raw'),
      sha256Source: 'qemu-img convert -O raw',
      mmls: view.mmls,
      fls: view.fls,
    },
  },
});
JS
echo "corpus/guest/guest.tar.gz: $(stat -c %s "$here/guest/guest.tar.gz") bytes" >&2
