#!/usr/bin/env bash
# The download works where examiners work: a fresh, minimal Debian 12 root (debootstrap
# --variant=minbase bookworm, from this machine's configured Debian mirror) with Debian's own
# nodejs (18) on PATH; release/vmfskit_*.deb installed with apt-get; inside it (chroot) the
# sample checks: info, ls -l -R, snapshots, and hash -a sha256 of every point-in-time disk of the
# sample LUN equal to corpus/MANIFEST (qemu-img's hashes), a mount where /dev/fuse exists; then
# the bad cases: HOME unset, HOME unwritable and a read-only working directory, a tampered cached
# addon (replaced, never loaded), a truncated executable and .deb (clear messages), and the
# checkout's bin/vmfskit under Debian's Node 18. Removal leaves no file behind.
# Needs root, debootstrap, and npm run package first. Run by .ci/run after the tests.
# The debootstrapped root (with nodejs) is cached in /var/cache/vmfskit-ci/ between runs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(node -p "require('$ROOT/package.json').version")
DEB=$ROOT/release/vmfskit_${VERSION}_amd64.deb
EXE=$ROOT/release/vmfskit-linux-x64
[ -f "$DEB" ] && [ -x "$EXE" ] || { echo "clean-machine: $DEB or $EXE missing: run npm run package" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "clean-machine: needs root (debootstrap, chroot)" >&2; exit 1; }
CACHE=/var/cache/vmfskit-ci
TARBALL=$CACHE/bookworm-minbase-nodejs.tar
MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -E '^(URIs:|deb) ' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -1 | tr -d ' ' || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
START=$(date +%s)
R=$(mktemp -d /tmp/vmfskit-clean.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$R"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() { echo "clean-machine: FAIL: $*" >&2; exit 1; }
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

say "Debian 12 minbase root ($MIRROR)"
if [ -f "$TARBALL" ]; then
  tar -xf "$TARBALL" -C "$R"
else
  debootstrap --variant=minbase bookworm "$R" "$MIRROR" > "$R.debootstrap.log" 2>&1 || { tail -20 "$R.debootstrap.log" >&2; fail debootstrap; }
  rm -f "$R.debootstrap.log"
  mount -t proc proc "$R/proc"; mounted+=("$R/proc")
  in_root apt-get install -y -qq --no-install-recommends nodejs > /dev/null
  in_root apt-get clean
  umount "$R/proc"; mounted=()
  mkdir -p "$CACHE" && tar -cf "$TARBALL.partial" -C "$R" . && mv "$TARBALL.partial" "$TARBALL"
fi
mount -t proc proc "$R/proc"; mounted+=("$R/proc")
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
echo "nodejs on PATH in the root: $(in_root node --version)"

say "apt-get install ./vmfskit_${VERSION}_amd64.deb"
cp "$DEB" "$R/tmp/"
in_root apt-get update -qq
# As apt-get does by default: with Recommends (fuse: fusermount, which libfuse2 mounts through).
in_root apt-get install -y -qq "/tmp/$(basename "$DEB")" > /dev/null
in_root vmfskit --version | tee /dev/stderr | grep -q "^$VERSION (sea, node v20" || fail "--version"
in_root sh -c 'zcat /usr/share/man/man1/vmfskit.1.gz | grep -q "^.SS \"vmfskit hash"' || fail "man page"
in_root bash -c '. /usr/share/bash-completion/completions/vmfskit; COMP_WORDS=(vmfskit ha); COMP_CWORD=1; _vmfskit; [ "${COMPREPLY[*]}" = hash ]' || fail "completion"

say "sample checks (the sample LUN, corpus/sample.sh)"
mkdir -p "$R/work"
LUN=$(node "$ROOT/dist/corpus/builders/sample-lun.js" "$R/work")
LUN=/work/$(basename "$LUN")
in_root vmfskit info "$LUN"
in_root vmfskit ls -l -R "$LUN::/VM"
in_root vmfskit snapshots "$LUN::/VM"
bad=0
while IFS=$'\t' read -r id path expected; do
  got=$(in_root vmfskit hash -a sha256 "$LUN::$path" | cut -d' ' -f1)
  [ "$got" = "$expected" ] && v=match || { v=MISMATCH; bad=1; }
  echo "$got  $LUN::$path  (corpus/MANIFEST state $id: $v)"
done < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const s of m.deltas.volume.states) if (s.path.startsWith("/VM/")) console.log([s.id, s.path, s.sha256].join("\t"));
' "$ROOT/corpus/MANIFEST")
[ $bad = 0 ] || fail "hash differs from corpus/MANIFEST"
ref=$(in_root vmfskit hash -a sha256 "$LUN::/VM/VM.vmdk" | cut -d' ' -f1)

if [ -c /dev/fuse ]; then
  say "mount (FUSE)"
  touch "$R/dev/fuse"; mount --bind /dev/fuse "$R/dev/fuse"; mounted+=("$R/dev/fuse")
  mkdir -p "$R/mnt/ev"
  in_root vmfskit mount "$LUN" /mnt/ev
  got=$(in_root sh -c 'sha256sum "/mnt/ev/.disks/VM test machine/VM@Before-update.raw"' | cut -d' ' -f1)
  in_root vmfskit umount /mnt/ev
  [ "$got" = "$ref" ] || fail "mounted view hash $got, expected $ref"
  echo "mounted VM@Before-update.raw: $got (= hash of $LUN::/VM/VM.vmdk)"
else
  echo "no /dev/fuse here: mount not checked"
fi

say "addon cache: HOME unset, HOME unwritable + read-only cwd, tampered cached addon"
in_root env -u HOME vmfskit hash -a xxh64 "$LUN::/VM/VM.vmdk" > /dev/null || fail "HOME unset"
chmod 0755 "$R"  # mktemp made it 0700: other users could not reach /usr
mkdir -p "$R/ro" && chmod 0555 "$R/ro" && chmod 0755 "$R/work" && chmod 0644 "$R$LUN"
chroot "$R" /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/env -i PATH=/usr/bin:/bin HOME=/nonexistent \
  sh -c "cd /ro && vmfskit hash -a sha256 $LUN::/VM/VM.vmdk" | grep -q "^$ref " || fail "unwritable HOME, read-only cwd"
leftover=$(in_root find /tmp -maxdepth 1 -name 'vmfskit-??????')
[ -z "$leftover" ] || fail "temporary addon directories left: $leftover"
cached=$(in_root sh -c 'ls /root/.cache/vmfskit/*/vmfskit_native.node' | head -1)
[ -n "$cached" ] || fail "no cached addon under /root/.cache/vmfskit"
good=$(sha256sum "$R$cached" | cut -d' ' -f1)
printf '\177ELF planted' > "$R$cached.new" && mv "$R$cached.new" "$R$cached"
in_root vmfskit hash -a sha256 "$LUN::/VM/VM.vmdk" | grep -q "^$ref " || fail "after tampering"
[ "$(sha256sum "$R$cached" | cut -d' ' -f1)" = "$good" ] || fail "tampered addon was not replaced"
echo "tampered $cached: replaced by the asset, the command ran"

say "bad downloads"
sz=$(stat -c %s "$EXE")
head -c $((sz / 2)) "$EXE" > "$R/tmp/vmfskit-linux-x64"
cp "$EXE.sha256" "$R/tmp/"
if in_root sh -c 'cd /tmp && sha256sum -c vmfskit-linux-x64.sha256' > "$R/tmp/out" 2>&1; then fail "truncated executable passes sha256sum -c"; fi
cat "$R/tmp/out"
head -c $(($(stat -c %s "$DEB") / 2)) "$DEB" > "$R/tmp/cut.deb"
if in_root apt-get install -y -qq /tmp/cut.deb > "$R/tmp/out" 2>&1; then fail "truncated .deb installs"; fi
cat "$R/tmp/out"; grep -qaE '^E: |dpkg-deb|error' "$R/tmp/out" || fail "truncated .deb: no message"

say "the checkout's bin/vmfskit under Debian's own Node $(in_root node --version)"
mkdir -p "$R/opt/vmfskit/node_modules"
cp -a "$ROOT/bin" "$ROOT/package.json" "$R/opt/vmfskit/"
mkdir -p "$R/opt/vmfskit/dist" && cp -a "$ROOT/dist/src" "$R/opt/vmfskit/dist/"
mkdir -p "$R/opt/vmfskit/native/build" && cp -a "$ROOT/native/build/Release" "$R/opt/vmfskit/native/build/"
(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null | grep /node_modules/ | sed "s|^$ROOT/||") | while read -r d; do
  mkdir -p "$R/opt/vmfskit/$(dirname "$d")" && cp -a "$ROOT/$d" "$R/opt/vmfskit/$(dirname "$d")/"
done
got=$(in_root node /opt/vmfskit/bin/vmfskit hash -a sha256 "$LUN::/VM/VM-000002.vmdk" | cut -d' ' -f1)
want=$(in_root vmfskit hash -a sha256 "$LUN::/VM/VM-000002.vmdk" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "node 18 bin/vmfskit: $got vs $want"
echo "node $(in_root node --version) bin/vmfskit hash = executable's hash: $got"

say "apt-get remove --purge vmfskit"
# What the package itself installed (fuse, its Recommends, stays, with its /etc/fuse.conf, and the
# mount test's /etc/mtab.fuselock is fusermount's): every one of those files must be gone.
owned=$(in_root dpkg -L vmfskit | while read -r f; do [ -d "$R$f" ] || echo "$f"; done)
in_root apt-get remove --purge -y -qq vmfskit > /dev/null
in_root rm -rf /root/.cache/vmfskit
extra=$(for f in $owned; do [ -e "$R$f" ] && echo "$f"; done; true)
[ -z "$extra" ] || fail "left behind after removal: $extra"
in_root dpkg -L vmfskit > /dev/null 2>&1 && fail "vmfskit still known to dpkg"
echo "nothing left behind"
printf '\nclean-machine: all checks passed in %d s\n' $(($(date +%s) - START))
