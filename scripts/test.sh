#!/usr/bin/env bash
# Runs the Go test suite, under a virtual X display when one is available so
# the GUI tests can open real windows, then prints the result tables tests
# wrote under build/ (the leak matrix). Extra arguments go to go test.
#
# The concurrent parts (the service and its session lifecycle, the resolver,
# the firewall and platform backends, and the end-to-end tests, whose stress
# test also runs a race-detector build of palisaded) run under the race
# detector; everything else runs plain. The two runs go one after the other.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
rm -f build/leak-matrix.txt
race_pkgs=$(go list ./service/... ./dnsproxy/... ./firewall/... ./platform/... ./internal/e2e/...) || exit 1
plain_pkgs=$(go list ./... | grep -vxF -e "$race_pkgs") || exit 1
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  xvfb-run -a -s "-screen 0 1280x1024x24" go test "$@" $plain_pkgs
else
  go test "$@" $plain_pkgs
fi
rc=$?
go test -race "$@" $race_pkgs || rc=1
for f in build/leak-matrix.txt; do
  [ -f "$f" ] && { echo; cat "$f"; }
done
exit $rc
