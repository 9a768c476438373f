#!/usr/bin/env bash
# Builds the installable packages from the binaries in bin/<os>-<arch>/ (made
# by the Makefile) into dist/:
#   linux   .deb and .rpm (nfpm), palisade-gui and its desktop entry only when
#           bin/linux-<arch>/palisade-gui exists
#   windows .msi (scripts/msi.sh: wixl, installer/windows/palisade.wxs,
#           needs the official wintun.dll in WINTUN_DLL or WINTUN_ZIP), amd64 only
#   darwin  a tarball of the .pkg root (Palisade.app, the binaries, the
#           uninstall script) and scripts (scripts/pkgroot.sh); pkgbuild exists
#           only on macOS, so the .pkg itself is made there with the command in
#           the tarball's BUILD.txt
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

shopt -s nullglob
for d in "$BIN"/linux-*; do linux_packages "$d"; done
bash scripts/msi.sh
bash scripts/pkgroot.sh
ls -l "$DIST"
