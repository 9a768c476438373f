#!/usr/bin/env bash
# Lays out the macOS .pkg root for each bin/darwin-<arch>/ (made by the
# Makefile) and packs it as dist/palisade-VERSION-darwin-ARCH-pkgroot.tar.gz:
#   root/Applications/Palisade.app        the tray app bundle (Info.plist,
#                                          icon; the tray and the window,
#                                          palisade-gui and palisade-window,
#                                          when they exist in bin/darwin-<arch>/,
#                                          which needs a Mac: cgo)
#   root/usr/local/bin/palisaded, palisade, palisade-uninstall
#   scripts/preinstall, postinstall       pkgbuild's scripts
#   BUILD.txt                             the pkgbuild command (pkgbuild exists
#                                          only on macOS)
# Environment: VERSION (default 0.1.0), BIN (default bin), DIST (default dist).
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=${VERSION:-0.1.0}
BIN=${BIN:-bin}
DIST=${DIST:-dist}
mkdir -p "$DIST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
note() { echo "pkgroot: $*" >&2; }

pkgroot() {
  local dir=$1 arch=${1##*-} stage=$work/darwin-${1##*-} gui= window=
  for b in palisaded palisade; do
    if [ ! -f "$dir/$b" ]; then
      note "skip darwin/$arch: $dir lacks $b"
      return
    fi
  done
  mkdir -p "$stage/root/usr/local/bin" "$stage/scripts"
  install -m 0755 "$dir/palisaded" "$dir/palisade" "$stage/root/usr/local/bin/"
  install -m 0755 installer/darwin/uninstall.sh "$stage/root/usr/local/bin/palisade-uninstall"
  install -m 0755 installer/darwin/scripts/preinstall installer/darwin/scripts/postinstall "$stage/scripts/"
  if [ -f "$dir/palisade-gui" ] && [ -f "$dir/palisade-window" ]; then
    gui=$dir/palisade-gui window=$dir/palisade-window
  else
    note "darwin/$arch: no palisade-gui and palisade-window in $dir; Palisade.app is laid out without them (build them on a Mac)"
  fi
  go run ./installer/render -kind app -out "$stage/root/Applications/Palisade.app" -version "$VERSION" -gui "$gui" -window "$window"
  cat >"$stage/BUILD.txt" <<TXT
Palisade $VERSION for macOS ($arch). On a Mac, from this directory:

  # only if root/Applications/Palisade.app/Contents/MacOS is empty, from a
  # source checkout (the tray and the window need cgo):
  #   CGO_ENABLED=1 go build -o THIS_DIR/root/Applications/Palisade.app/Contents/MacOS/ ./cmd/palisade-gui ./cmd/palisade-gui/palisade-window
  pkgbuild --root root --scripts scripts --identifier com.palisadevpn.palisade \\
    --version $VERSION --install-location / palisade-$VERSION-darwin-$arch.pkg

Sign it with productsign before distributing. postinstall registers the
LaunchDaemon com.palisadevpn.palisaded through 'palisaded install'.
'sudo palisade-uninstall' removes everything again.
TXT
  tar -C "$stage" $(rootowner) -czf "$DIST/palisade-$VERSION-darwin-$arch-pkgroot.tar.gz" .
}

# rootowner records root as every entry's owner, in the spelling of the tar
# at hand: GNU tar here, bsdtar on the macOS runner (whose libarchive
# predates --owner/--group).
rootowner() {
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    echo --owner=0 --group=0
  else
    echo --uid 0 --gid 0
  fi
}

shopt -s nullglob
for d in "$BIN"/darwin-*; do pkgroot "$d"; done
