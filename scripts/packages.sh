#!/usr/bin/env bash
# Builds the installable packages from the binaries in bin/<os>-<arch>/ (made
# by the Makefile) into dist/:
#   linux   .deb and .rpm (nfpm) of the whole app for every arch in
#           LINUX_ARCHES (default: this machine's): palisaded, palisade,
#           palisade-gui (the tray), palisade-window, the units, desktop
#           entries, icons and AppStream data.
#           A missing piece fails the build. The service-and-CLI-only
#           palisade-nogui flavour is made only for the arches listed in
#           NOGUI_ARCHES (default none), since the GUI is not cross-built.
#   windows .msi (scripts/msi.sh: wixl, installer/windows/palisade.wxs,
#           needs the official wintun.dll in WINTUN_DLL or WINTUN_ZIP), amd64 only
#   darwin  a tarball of the .pkg root (Palisade.app, the binaries, the
#           uninstall script) and scripts (scripts/pkgroot.sh); pkgbuild exists
#           only on macOS, so the .pkg itself is made there with the command in
#           the tarball's BUILD.txt
# Windows and macOS pieces whose binaries or tools are missing are skipped
# with a note.
# Environment: VERSION (default 0.1.0), BIN (default bin), DIST (default
# dist), LINUX_ARCHES, NOGUI_ARCHES.
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=${VERSION:-0.1.0}
BIN=${BIN:-bin}
DIST=${DIST:-dist}
# v2.46 and later need go.digitalxero.dev modules that proxy.golang.org
# refuses to serve (403), so stay on the last release without them.
NFPM_VERSION=v2.45.0
LINUX_ARCHES=${LINUX_ARCHES-$(go env GOARCH)}
NOGUI_ARCHES=${NOGUI_ARCHES-}
ICON_SIZES="16 24 32 48 64 128 256 512"

mkdir -p "$DIST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
note() { echo "packages: $*" >&2; }
die() { echo "packages: $*" >&2; exit 1; }

# linux_packages ARCH FLAVOUR builds the .deb and .rpm of one flavour: "" is
# the whole app, "-nogui" the service and CLI alone.
linux_packages() {
  local arch=$1 flavour=$2 dir=$BIN/linux-$1 need=(palisaded palisade) other=palisade-nogui
  [ -z "$flavour" ] && need+=(palisade-gui palisade-window)
  [ -n "$flavour" ] && other=palisade
  for b in "${need[@]}"; do
    [ -f "$dir/$b" ] || die "linux/$arch$flavour: $dir/$b is missing (make packages builds it; a package without the GUI only on purpose: LINUX_ARCHES= NOGUI_ARCHES=$arch)"
  done
  local cfg=$work/nfpm-$arch$flavour.yaml unit=$work/palisaded-$arch.service early=$work/palisaded-early-block-$arch.service icons=$work/icons libc=
  local changelog=$work/changelog$flavour.gz metainfo=$work/com.palisadevpn.palisade.metainfo.xml
  go run ./installer/render -kind systemd -exe /usr/bin/palisaded >"$unit"
  go run ./installer/render -kind systemd-early -exe /usr/bin/palisaded >"$early"
  # The scripts do not depend on the arch, so the host's CLI writes them.
  local completions=$work/completions
  mkdir -p "$completions"
  go run ./cmd/palisade completion bash >"$completions/palisade.bash"
  go run ./cmd/palisade completion fish >"$completions/palisade.fish"
  debian_changelog "palisade$flavour" | gzip -9n >"$changelog"
  if [ -z "$flavour" ]; then
    cp installer/nfpm.yaml "$cfg"
    render_icons "$icons"
    libc=$(glibc_needed "$dir/palisade-window")
    sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$(release_date +%F)/" \
      installer/linux/com.palisadevpn.palisade.metainfo.xml >"$metainfo"
  else
    sed '/# gui-begin/,/# gui-end/d' installer/nfpm.yaml >"$cfg"
  fi
  for fmt in deb rpm; do
    VERSION=$VERSION ARCH=$arch BIN_DIR=$dir UNIT=$unit EARLY_UNIT=$early ICONS=$icons LIBC=$libc CHANGELOG=$changelog METAINFO=$metainfo \
      COMPLETIONS=$completions FLAVOUR=$flavour OTHER=$other \
      go run "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION" \
      package --config "$cfg" --packager "$fmt" --target "$DIST/"
  done
}

# release_date FORMAT prints the last commit's date (now outside git) in
# date(1)'s FORMAT, so rebuilds of a commit are byte-identical.
release_date() {
  local ts
  ts=$(git log -1 --format=%ct 2>/dev/null) || ts=$(date +%s)
  LC_ALL=C date -u -d "@$ts" "$1"
}

# debian_changelog NAME prints a one-entry Debian changelog for VERSION.
debian_changelog() {
  printf '%s (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
    "$1" "$VERSION" "$VERSION" "Palisade maintainers <maintainers@palisadevpn.invalid>" "$(release_date -R)"
}

# render_icons DIR draws the hicolor PNG sizes from the SVG app icon, once.
render_icons() {
  [ -d "$1" ] && return
  command -v rsvg-convert >/dev/null || die "rsvg-convert not installed (apt-get install librsvg2-bin)"
  for n in $ICON_SIZES; do
    mkdir -p "$1/${n}x$n"
    rsvg-convert -w "$n" -h "$n" -o "$1/${n}x$n/palisade.png" assets/palisade.svg
  done
}

# glibc_needed BINARY prints the newest GLIBC_x.y symbol version BINARY uses:
# the lowest libc6 it runs with.
glibc_needed() {
  local v
  v=$(objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
  [ -n "$v" ] || die "$1 links no glibc symbols; is it a palisade-window built with cgo?"
  echo "$v"
}

shopt -s nullglob
for a in $LINUX_ARCHES; do linux_packages "$a" ""; done
for a in $NOGUI_ARCHES; do linux_packages "$a" -nogui; done
bash scripts/msi.sh
bash scripts/pkgroot.sh
ls -l "$DIST"
