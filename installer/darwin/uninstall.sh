#!/bin/sh
# palisade-uninstall: removes Palisade from this Mac. Run with sudo.
# The service is stopped and unregistered first; then 'palisaded cleanup'
# removes what a stopped service may have left (with kill switch "always"
# the block stays while the service is down): the pf anchor and pf
# reference, the journaled routes, the DNS changes and the resolver's lo0
# aliases. Profiles and settings are kept for a reinstall unless --purge
# is given, as Mullvad and the WireGuard app keep theirs.
set -u
if [ "$(id -u)" != 0 ]; then
  echo "palisade-uninstall: run with sudo" >&2
  exit 1
fi
purge=0
[ "${1:-}" = "--purge" ] && purge=1
bin=/usr/local/bin
state="/Library/Application Support/Palisade"
failed=0
if [ -x "$bin/palisaded" ]; then
  "$bin/palisaded" stop || true
  "$bin/palisaded" uninstall || true
  "$bin/palisaded" cleanup || failed=1
fi
pkill -x palisade-gui 2>/dev/null || true
pkill -x palisade-window 2>/dev/null || true
rm -rf /Applications/Palisade.app
rm -f "$bin/palisaded" "$bin/palisade" /var/log/palisaded.err.log
rm -rf /var/run/palisade
if [ $purge = 1 ]; then
  rm -rf "$state"
  dseditgroup -o delete palisade >/dev/null 2>&1 || true
fi
pkgutil --forget com.palisadevpn.palisade >/dev/null 2>&1 || true
rm -f "$bin/palisade-uninstall"
if [ $failed = 1 ]; then
  echo "palisade-uninstall: cleanup incomplete, see the messages above" >&2
  exit 1
fi
echo "Palisade removed."
