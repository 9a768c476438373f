#!/usr/bin/env bash
# Usage: rollback-fix.sh MSI WXS
#
# wixl (msitools 0.101) knows only Execute="deferred": a custom action the
# WiX source marks Execute="rollback" comes out as an immediate one, which
# runs while the installer builds its script (a repair ran `palisaded
# uninstall` at once, a fresh install tried a binary not yet copied)
# instead of only when the installation fails. This sets the rollback bits
# (msidbCustomActionTypeInScript 0x400 | msidbCustomActionTypeRollback
# 0x100) on each such action in the built MSI. scripts/msi.sh and
# installer's TestWixlBuildsMSI run it.
set -euo pipefail
msi=$1
wxs=$2
ids=$(tr '\n' ' ' <"$wxs" | grep -o '<CustomAction [^>]*Execute="rollback"[^>]*>' | sed -n 's/.* Id="\([^"]*\)".*/\1/p')
[ -n "$ids" ] || exit 0
for id in $ids; do
  type=$(msiinfo export "$msi" CustomAction | awk -F'\t' -v id="$id" '$1 == id { print $2 }')
  if [ -z "$type" ]; then
    echo "rollback-fix: custom action $id is not in $msi" >&2
    exit 1
  fi
  msibuild "$msi" -q "UPDATE \`CustomAction\` SET \`Type\` = $((type | 0x500)) WHERE \`Action\` = '$id'"
done
