#!/usr/bin/env bash
# Builds the Windows .msi (amd64) from bin/windows-amd64/ into dist/ with wixl.
#
# The MSI ships the official signed wintun.dll, which cannot be downloaded
# here. It is taken from WINTUN_DLL (the amd64 wintun.dll of the official
# wintun-$WINTUN_VERSION.zip) or WINTUN_ZIP (that zip itself) and must match
# the pinned SHA-256 below. Without either, or with a file that does not
# match, no MSI is built and the reason is printed.
# Environment: VERSION (default 0.1.0), BIN (default bin), DIST (default dist).
set -euo pipefail

cd "$(dirname "$0")/.."
VERSION=${VERSION:-0.1.0}
BIN=${BIN:-bin}
DIST=${DIST:-dist}

# Pinned Wintun release (https://www.wintun.net/, the build WireGuard for
# Windows ships).
WINTUN_VERSION=0.14.1
WINTUN_ZIP_SHA256=07c256185d6ee3652e09fa55c0b673e2624b565e02c4b9091c79ca7d2f24ef51
WINTUN_DLL_AMD64_SHA256=e5da8447dc2c320edc0fc52fa01885c103de8c118481f683643cacc3220dafce

nomsi() {
  echo "packages: NO MSI BUILT: $*" >&2
  exit 0
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

dir=$BIN/windows-amd64
command -v wixl >/dev/null || nomsi "wixl is not installed (apt-get install wixl msitools)"
command -v msibuild >/dev/null || nomsi "msibuild is not installed (apt-get install msitools)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage" "$DIST"

# wintun.dll first: it is the input most often missing.
if [ -n "${WINTUN_DLL:-}" ]; then
  [ -f "$WINTUN_DLL" ] || nomsi "WINTUN_DLL=$WINTUN_DLL does not exist"
  got=$(sha256 "$WINTUN_DLL")
  [ "$got" = "$WINTUN_DLL_AMD64_SHA256" ] ||
    nomsi "WINTUN_DLL has SHA-256 $got, not the official Wintun $WINTUN_VERSION amd64 build ($WINTUN_DLL_AMD64_SHA256)"
  cp "$WINTUN_DLL" "$stage/wintun.dll"
elif [ -n "${WINTUN_ZIP:-}" ]; then
  [ -f "$WINTUN_ZIP" ] || nomsi "WINTUN_ZIP=$WINTUN_ZIP does not exist"
  got=$(sha256 "$WINTUN_ZIP")
  [ "$got" = "$WINTUN_ZIP_SHA256" ] ||
    nomsi "WINTUN_ZIP has SHA-256 $got, not the official wintun-$WINTUN_VERSION.zip ($WINTUN_ZIP_SHA256)"
  unzip -p "$WINTUN_ZIP" wintun/bin/amd64/wintun.dll >"$stage/wintun.dll"
  got=$(sha256 "$stage/wintun.dll")
  [ "$got" = "$WINTUN_DLL_AMD64_SHA256" ] || nomsi "wintun/bin/amd64/wintun.dll in WINTUN_ZIP has SHA-256 $got"
else
  nomsi "wintun.dll is required and cannot be downloaded here; set WINTUN_DLL to the amd64 wintun.dll or WINTUN_ZIP to wintun-$WINTUN_VERSION.zip from https://www.wintun.net/"
fi

for b in palisaded palisade palisade-gui palisade-window; do
  [ -f "$dir/$b.exe" ] || nomsi "$dir/$b.exe is missing (make cross cross-gui)"
  cp "$dir/$b.exe" "$stage/"
done
# The icon registered with the toasts' app ID.
cp assets/palisade.png "$stage/"

# MSI versions are numeric: drop any +build or -pre suffix. wixl only
# resolves relative source paths, so it runs inside the staging directory.
out=$(realpath "$DIST")/palisade-$VERSION-windows-amd64.msi
wxs=$(realpath installer/windows/palisade.wxs)
(cd "$stage" && wixl -a x64 -D "Version=${VERSION%%[+-]*}" -D BinDir=. -o "$work/palisade.msi" "$wxs")
# wixl writes rollback custom actions as immediate ones; give them their
# rollback type before the package goes to DIST.
bash installer/windows/rollback-fix.sh "$work/palisade.msi" "$wxs"
mv "$work/palisade.msi" "$out"
echo "packages: built $out (Wintun $WINTUN_VERSION)" >&2
