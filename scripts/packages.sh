#!/usr/bin/env bash
# Builds the installable packages from the binaries in bin/<os>-<arch>/ (made
# by the Makefile) into dist/:
#   linux   .deb and .rpm (nfpm), palisade-gui and its desktop entry only when
#           bin/linux-<arch>/palisade-gui exists
#   windows .msi (scripts/msi.sh: wixl, installer/windows/palisade.wxs,
#           needs the official wintun.dll in WINTUN_DLL or WINTUN_ZIP), amd64 only
#   darwin  a tarball of the .pkg root and scripts; pkgbuild exists only on
#           macOS, so the .pkg itself is made there with the command in the
#           tarball's BUILD.txt
# Anything whose binaries or tools are missing is skipped with a note.
# Environment: VERSION (default 0.1.0), BIN (default bin), DIST (default dist).
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=${VERSION:-0.1.0}
BIN=${BIN:-bin}
DIST=${DIST:-dist}
# v2.46 and later need go.digitalxero.dev modules that proxy.golang.org
# refuses to serve (403), so stay on the last release without them.
NFPM_VERSION=v2.45.0

mkdir -p "$DIST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
note() { echo "packages: $*" >&2; }

have_bins() { # dir names...
  local d=$1; shift
  for b in "$@"; do [ -f "$d/$b" ] || return 1; done
}

linux_packages() {
  local dir=$1 arch=${1##*-}
  if ! have_bins "$dir" palisaded palisade; then
    note "skip linux/$arch: $dir lacks palisaded or palisade"
    return
  fi
  local cfg=$work/nfpm-$arch.yaml unit=$work/palisaded-$arch.service
  go run ./installer/render -kind systemd -exe /usr/bin/palisaded >"$unit"
  if [ -f "$dir/palisade-gui" ]; then
    cp installer/nfpm.yaml "$cfg"
  else
    note "linux/$arch: no palisade-gui in $dir, packaging service and CLI only"
    sed '/# gui-begin/,/# gui-end/d' installer/nfpm.yaml >"$cfg"
  fi
  for fmt in deb rpm; do
    VERSION=$VERSION ARCH=$arch BIN_DIR=$dir UNIT=$unit \
      go run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" \
      package --config "$cfg" --packager "$fmt" --target "$DIST/"
  done
}

darwin_pkgroot() {
  local dir=$1 arch=${1##*-} stage=$work/darwin-${1##*-}
  if ! have_bins "$dir" palisaded palisade; then
    note "skip darwin/$arch: $dir lacks palisaded or palisade"
    return
  fi
  mkdir -p "$stage/root/usr/local/bin" "$stage/scripts"
  install -m 0755 "$dir/palisaded" "$dir/palisade" "$stage/root/usr/local/bin/"
  install -m 0755 installer/darwin/scripts/preinstall installer/darwin/scripts/postinstall "$stage/scripts/"
  cat >"$stage/BUILD.txt" <<TXT
Palisade $VERSION for macOS ($arch). On a Mac, from this directory:

  pkgbuild --root root --scripts scripts --identifier com.palisadevpn.palisade \\
    --version $VERSION --install-location / palisade-$VERSION-darwin-$arch.pkg

Sign it with productsign before distributing. postinstall registers the
LaunchDaemon com.palisadevpn.palisaded through 'palisaded install'.
TXT
  tar -C "$stage" --owner=0 --group=0 -czf "$DIST/palisade-$VERSION-darwin-$arch-pkgroot.tar.gz" .
}

shopt -s nullglob
for d in "$BIN"/linux-*; do linux_packages "$d"; done
bash scripts/msi.sh
for d in "$BIN"/darwin-*; do darwin_pkgroot "$d"; done
ls -l "$DIST"
