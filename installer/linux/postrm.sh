#!/bin/sh
# Runs after removal. A Debian purge also deletes the state directory, which
# holds the imported profiles' private keys. The palisade group stays: files
# or users may still refer to it.
set -e

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
if [ "$1" = purge ]; then
  rm -rf /var/lib/palisade
fi
exit 0
