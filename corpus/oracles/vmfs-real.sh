#!/usr/bin/env bash
# Live re-check of what test/vmfs-real.test.ts records from debugvmfs 0.2.5
# about the real ESX/ESXi images in ../shared/corpus, and of vmfskit against
# debugvmfs on the same images: listings (epoch mtimes in UTC), df, file bytes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared="$root/../shared/corpus"
command -v debugvmfs >/dev/null || { echo "vmfs-real: debugvmfs (vmfs-tools) not installed" >&2; exit 2; }
[ -d "$shared" ] || { echo "vmfs-real: $shared missing" >&2; exit 2; }
V="node $root/bin/vmfskit"
export TZ=UTC
fail=0
check() { # name, expected, got
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fail=1; fi
}
# The tests' gunzip cache (test/helpers/gunzip-cache.ts): same key, so nothing is decompressed twice.
unpack() {
  node --input-type=module -e "
    import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, renameSync, chmodSync } from 'node:fs';
    import { pipeline } from 'node:stream/promises'; import { createGunzip } from 'node:zlib';
    import { createHash } from 'node:crypto'; import os from 'node:os'; import path from 'node:path';
    const gz = path.resolve('$1'); const st = statSync(gz);
    const key = createHash('sha256').update(gz + ':' + st.size + ':' + st.mtimeMs).digest('hex').slice(0, 16);
    const out = path.join(os.tmpdir(), 'vmfskit-gunzip-cache', key, path.basename(gz).replace(/\.gz$/, ''));
    if (!existsSync(out)) { mkdirSync(path.dirname(out), { recursive: true }); const tmp = out + '.' + process.pid + '.partial';
      await pipeline(createReadStream(gz), createGunzip(), createWriteStream(tmp)); chmodSync(tmp, 0o444); renameSync(tmp, out); }
    console.log(out);"
}
v5=$(unpack "$shared/esxi-vmfs5-small.bin.gz")
v3=$(unpack "$shared/vmfs/esx-vmfs3-toto.bin.gz")

# debugvmfs ls -l: mode links uid gid size date time name → "mode links size epoch name"
dbg_ls() { debugvmfs "$1" ls -l "$2" | while read -r m l u g s d t n; do echo "$m $l $s $(date -u -d "$d $t" +%s) $n"; done; }
# vmfskit ls -a --json → the same shape. debugvmfs ls -l prints FD +0x30 (ctime), not +0x2C (mtime):
# on toto they differ by seconds (.fbb.sf: ls -l 16:45:56 = "Change Time"; "Modify Time" 16:45:59).
kit_ls() { $V ls -a --json "$1::$2" | node -e "
  const m = (x) => { const c = 'rwxrwxrwx'; let s = x & 0o170000 ? ({0o040000:'d',0o120000:'l',0o100000:'-'})[x & 0o170000] : '-';
    for (let i = 8; i >= 0; i--) s += x & (1 << i) ? c[8 - i] : '-';
    if (x & 0o1000) s = s.slice(0, 9) + (x & 1 ? 't' : 'T'); return s; };
  for (const e of JSON.parse(require('fs').readFileSync(0, 'utf8'))) console.log(m(e.mode), e.nlink, e.size, e.ctime, e.name);"; }

check "vmfs5 /directory as recorded" "drwxr-xr-x 2 1120 1628667531 .
drwxr-xr-t 4 1400 1628667469 ..
-rw-r--r-- 1 0 1628667474 file1
-rw-r--r-- 1 0 1628667478 file2
-rw-r--r-- 1 0 1628667481 file3
-rw-r--r-- 1 8 1628667498 file4
-rw-r--r-- 1 8193 1628667519 file5
lrwxrwxrwx 1 5 1628667531 symlink" "$(dbg_ls "$v5" /directory)"
check "vmfs5 /directory: vmfskit = debugvmfs" "$(dbg_ls "$v5" /directory)" "$(kit_ls "$v5" /directory)"
check "vmfs3 toto /: vmfskit = debugvmfs" "$(dbg_ls "$v3" /)" "$(kit_ls "$v3" /)"
check "toto .fbb.sf mtime: vmfskit = debugvmfs show Modify Time" "$(date -u -d "$(debugvmfs "$v3" show 'inode["/.fbb.sf"]' | sed -n 's/^Modify Time: //p')" +%s)" "$($V stat --json "$v3::/.fbb.sf" | node -e "console.log(JSON.parse(require('fs').readFileSync(0,'utf8')).mtime)")"
check "vmfs5 df (total/free)" "256 241" "$(debugvmfs "$v5" df | awk '/Total blocks/{t=$4} /Free blocks/{f=$4} END{print t, f}')"
check "vmfs5 df: vmfskit" "256 241" "$($V info --json "$v5" | node -e "const i=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log(i.usage.blocks, i.usage.free)")"
for f in file4 file5 symlink; do
  check "vmfs5 cat /directory/$f" "$(debugvmfs "$v5" cat /directory/$f | md5sum)" "$($V cat "$v5::/directory/$f" | md5sum)"
done
check "vmfs5 file5 md5 as recorded" "89d6adcb17e106096d08d864ae861131  -" "$(debugvmfs "$v5" cat /directory/file5 | md5sum)"
check "toto thin.vmdk md5 as recorded" "819615542514b6651344510982fac169  -" "$(debugvmfs "$v3" cat /thin.vmdk | md5sum)"
for k in thin thick zeroedthick eagerzeroedthick; do
  check "toto $k-flat.vmdk = 200 MiB of zeros" "3566de3a97906edb98d004d6b947ae9b  -" "$(debugvmfs "$v3" cat /$k-flat.vmdk | md5sum)"
done
check "toto zeroedthick TBZ count" "TBZ: 199" "$(debugvmfs "$v3" show 'inode["/zeroedthick-flat.vmdk"]' | grep -o 'TBZ: [0-9]*')"

# VMFS-6 sample: debugvmfs6 (vmfs6-tools) against what corpus/MANIFEST "vmfs6-real" recorded, and vmfskit
# against debugvmfs6 live. debugvmfs6 prints "VMFS version: 6" first on stdout: stripped before comparing.
if command -v debugvmfs6 >/dev/null; then
  v6=$(unpack "$shared/esxi-vmfs6-small.bin.gz")
  rec() { node -e "const m=JSON.parse(require('fs').readFileSync('$root/corpus/MANIFEST','utf8'))['vmfs6-real']; console.log($1)"; }
  dbg6() { debugvmfs6 "$@" | sed '1{/^VMFS version: 6$/d}'; }
  dbg6_ls() { dbg6 "$1" ls -l "$2" | while read -r m l u g s d t n; do echo "$m $l $s $(date -u -d "$d $t" +%s) $n"; done; }
  check "vmfs6 debugvmfs6 ls -l /directory as recorded" "$(rec "m.debugvmfs6['ls -l /directory'].stdout.join('\\n')")" "$(dbg6 "$v6" ls -l /directory)"
  check "vmfs6 debugvmfs6 ls -l / as recorded" "$(rec "m.debugvmfs6['ls -l /'].stdout.join('\\n')")" "$(dbg6 "$v6" ls -l /)"
  # vmfskit prints ctime like the VMFS-5 check; every time of this sample's entries is equal (MANIFEST dissect: mtime = ctime = atime).
  check "vmfs6 /directory: vmfskit = debugvmfs6" "$(dbg6_ls "$v6" /directory)" "$(kit_ls "$v6" /directory)"
  check "vmfs6 /: vmfskit = debugvmfs6" "$(dbg6_ls "$v6" /)" "$(kit_ls "$v6" /)"
  for f in file4 file5 symlink; do
    check "vmfs6 debugvmfs6 cat /directory/$f as recorded" "$(rec "m.debugvmfs6.cat['/directory/$f']")  -" "$(dbg6 "$v6" cat /directory/$f | sha256sum)"
    check "vmfs6 cat /directory/$f: vmfskit = debugvmfs6" "$(dbg6 "$v6" cat /directory/$f | sha256sum)" "$($V cat "$v6::/directory/$f" | sha256sum)"
  done
  check "vmfs6 debugvmfs6 df as recorded (its total is wrong: 2 blocks)" "$(rec "m.debugvmfs6.df.join('\\n')")" "$(dbg6 "$v6" df)"
else
  echo "vmfs-real: debugvmfs6 (vmfs6-tools) not installed" >&2; fail=1
fi
exit $fail
