#!/usr/bin/env bash
# Second half of npm run package: release/vmfskit_<version>_amd64.deb around the self-contained
# executable (scripts/package.mjs made it): /usr/bin/vmfskit, the man page and bash completion
# generated from its own --help (scripts/make-docs.mjs), copyright, changelog. dpkg-deb only;
# lintian checks it when installed (warnings explained in README "Install").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXE=$ROOT/release/vmfskit-linux-x64
[ -x "$EXE" ] || { echo "package-deb: $EXE is missing: run npm run package" >&2; exit 1; }
VERSION=$(node -p "require('$ROOT/package.json').version")
DEB=$ROOT/release/vmfskit_${VERSION}_amd64.deb
ST=$ROOT/release/build/deb
# Reproducible: every date and mtime is the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
rm -rf "$ST" "$DEB"
umask 022
install -d "$ST/DEBIAN" "$ST/usr/bin" "$ST/usr/share/man/man1" "$ST/usr/share/bash-completion/completions" "$ST/usr/share/doc/vmfskit" "$ST/usr/share/lintian/overrides"
install -m 0755 "$EXE" "$ST/usr/bin/vmfskit"

node "$ROOT/scripts/make-docs.mjs" "$EXE" "$ROOT/release/build"
gzip -9n < "$ROOT/release/build/vmfskit.1" > "$ST/usr/share/man/man1/vmfskit.1.gz"
install -m 0644 "$ROOT/release/build/vmfskit" "$ST/usr/share/bash-completion/completions/vmfskit"

BUILD=$("$EXE" --version)
cat > "$ST/usr/share/doc/vmfskit/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vmfskit
Comment: /usr/bin/vmfskit is a Node.js single executable application ($BUILD):
 the Node.js runtime with vmfskit's JavaScript (and the JavaScript of yargs and
 xxhash-wasm) and vmfskit's two native addons embedded in it.

Files: *
Copyright: 2026 the vmfskit authors
License: Expat

Files: usr/bin/vmfskit
Copyright: Node.js contributors, Joyent, Inc. and other Node contributors;
 the V8 project authors; the OpenSSL project authors; the ICU project (Unicode, Inc.);
 libuv, zlib, brotli, nghttp2, c-ares, llhttp, undici and the other projects named in
 Node.js' LICENSE file; Benjamin Coe and the yargs contributors; Jonas Finnemann Jensen
 (xxhash-wasm); the vmfskit authors
License: Expat and Apache-2.0 and BSD-3-clause and Unicode-DFS-2016
Comment: Node.js and most of what it bundles are under the Expat (MIT) licence, V8 under
 BSD-3-clause, OpenSSL 3 under Apache-2.0 (/usr/share/common-licenses/Apache-2.0), ICU
 under the Unicode licence; yargs, xxhash-wasm and vmfskit under Expat. The full text of
 every licence Node.js carries is its LICENSE file: https://github.com/nodejs/node/blob/$(node -p process.version)/LICENSE

License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.

License: Apache-2.0
 On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.

License: BSD-3-clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that the following conditions are met:
 1. Redistributions of source code must retain the above copyright notice,
    this list of conditions and the following disclaimer.
 2. Redistributions in binary form must reproduce the above copyright notice,
    this list of conditions and the following disclaimer in the documentation
    and/or other materials provided with the distribution.
 3. Neither the name of the copyright holder nor the names of its contributors
    may be used to endorse or promote products derived from this software
    without specific prior written permission.
 .
 THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
 AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
 IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
 ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
 LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
 CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
 SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
 INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
 CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
 ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
 POSSIBILITY OF SUCH DAMAGE.

License: Unicode-DFS-2016
 Unicode Data Files and Software License: https://www.unicode.org/license.txt
 (the ICU data inside Node.js).
COPY

{
  echo "vmfskit ($VERSION) unstable; urgency=medium"
  echo
  echo "  * Built by npm run package from git $(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  echo "    ($BUILD)."
  echo
  echo " -- vmfskit maintainers <vmfskit@example.org>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$ST/usr/share/doc/vmfskit/changelog.gz"

# Why each lintian tag left over is not a fault (README "Install" says the same).
cat > "$ST/usr/share/lintian/overrides/vmfskit" <<'OVR'
# A Node.js single executable application is the node binary with the program appended:
# Node links zlib, OpenSSL, brotli, nghttp2 ... statically by design, and keeps them current
# with each Node release; the program cannot use the system's copies.
vmfskit: embedded-library *
# The embedded SEA blob lives in an ELF note section that strip would remove with it.
vmfskit: unstripped-binary-or-object [usr/bin/vmfskit]
# The node binary of the Node.js distribution (nodesource/nodejs.org) is linked without -pie.
vmfskit: hardening-no-pie [usr/bin/vmfskit]
OVR
chmod 0644 "$ST/usr/share/lintian/overrides/vmfskit" "$ST/usr/share/doc/vmfskit/copyright" "$ST/usr/share/doc/vmfskit/changelog.gz" "$ST/usr/share/man/man1/vmfskit.1.gz"

SIZE=$(du -k -s --apparent-size "$ST/usr" | cut -f1)
cat > "$ST/DEBIAN/control" <<CTRL
Package: vmfskit
Version: $VERSION
Architecture: amd64
Maintainer: vmfskit maintainers <vmfskit@example.org>
Installed-Size: $SIZE
Depends: libc6 (>= 2.34), libgcc-s1, libstdc++6 (>= 12), libfuse2 | libfuse2t64
Recommends: fuse
Section: utils
Priority: optional
Homepage: https://github.com/vmfskit/vmfskit
Description: read VMware evidence (VMFS LUN images, VMDK chains, snapshots)
 vmfskit lets a forensic examiner read VMware evidence on plain Linux,
 without ESXi: browse, extract and mount read-only the VMFS-5 (and VMFS-3)
 volume of a copied LUN image, convert any VMDK (flat, sparse,
 stream-optimized, split, ESXi snapshots COWD and SESparse) to raw, hash
 disks in one pass and verify ESXi hash lists. Evidence is only ever opened
 read-only.
 .
 This package is self-contained (Node.js is embedded); vmfskit mount needs
 libfuse2 and fusermount (the fuse package, recommended).
CTRL
find "$ST" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zgzip -z9 --build "$ST" "$DEB" >/dev/null
echo "package-deb: $(basename "$DEB") ($(du -h "$DEB" | cut -f1))" >&2
