#!/usr/bin/env bash
# Installs the Debian packages the build, the tests, the demo and the benchmarks
# need, when they are missing. Safe to run repeatedly; needs root to install.
set -euo pipefail

pkgs=(
  nftables iproute2 wireguard-tools iperf3 dnsperf dnsmasq-base unbound tayga
  dnsutils procps psmisc iputils-ping netcat-openbsd tcpdump util-linux
  xvfb dbus-x11 dbus imagemagick librsvg2-bin libgl1-mesa-dev xorg-dev pkg-config gcc
  systemd wixl msitools
  wine64 gcc-mingw-w64-x86-64
  debootstrap systemd-container lintian rpm desktop-file-utils appstream binutils
  fish
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
