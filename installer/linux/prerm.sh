#!/bin/sh
# Runs before removal and before upgrade. Only a removal stops the service
# (which takes its firewall, routes and DNS changes down); an upgrade keeps it
# running, and with it the kill switch, until postinst restarts it.
set -e

case "$1" in
  remove|deconfigure|0)
    if [ -d /run/systemd/system ]; then
      systemctl stop palisaded.service || true
      systemctl disable palisaded.service || true
    fi
    ;;
esac
exit 0
