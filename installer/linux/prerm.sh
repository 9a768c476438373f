#!/bin/sh
# Runs before removal and before upgrade. Only a removal stops the service
# (which takes its firewall, routes and DNS changes down) and then removes
# what a stop leaves on purpose (an "always" block); an upgrade keeps it
# running, and with it the kill switch, until postinst restarts it. Before an
# upgrade the service is told so (prepare-restart), so that stop keeps an
# engaged kill switch in place until the new binary takes over. Only dpkg
# runs this before the restart: rpm runs the old %preun ($1 = 1) after the
# new %post has restarted the service (a restart job, which keeps the block
# by itself), and a marker written then would make a plain stop in the
# next ten minutes keep an armed block. Called by
# name: dpkg and rpm run maintainer scripts with /usr/bin on PATH (and
# lintian warns of a command with a path).
set -e

case "$1" in
  upgrade)
    palisaded prepare-restart || true
    ;;
  remove|deconfigure|0)
    if [ -d /run/systemd/system ]; then
      systemctl stop palisaded.service || true
      systemctl disable palisaded.service palisaded-early-block.service || true
    fi
    # With the kill switch set to always, a stopped service leaves its block
    # in place on purpose; once the package is gone nothing would lift it
    # and the machine would stay offline. Remove it, as Mullvad's package
    # resets its firewall on removal.
    palisaded cleanup || true
    ;;
esac
exit 0
