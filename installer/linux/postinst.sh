#!/bin/sh
# Runs after install and upgrade (deb: "configure"; rpm: $1 = 1 or 2).
# Creates the group whose members may control the VPN, enables the service
# and its early-boot block (pulled in by the service, so it runs at boot
# before the network comes up), then (re)starts the service so an upgrade
# runs the new binary.
set -e

case "$1" in
  abort-*) exit 0 ;;
esac

getent group palisade >/dev/null 2>&1 || groupadd --system palisade

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable palisaded.service palisaded-early-block.service
  systemctl restart palisaded.service
fi
exit 0
