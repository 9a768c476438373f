#!/usr/bin/env bash
# Runs the Go test suite, under a virtual X display when one is available so
# the GUI tests can open real windows, then prints the result tables tests
# wrote under build/ (the leak matrix). Extra arguments go to go test.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
rm -f build/leak-matrix.txt
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  xvfb-run -a -s "-screen 0 1280x1024x24" go test "$@" ./...
else
  go test "$@" ./...
fi
rc=$?
for f in build/leak-matrix.txt; do
  [ -f "$f" ] && { echo; cat "$f"; }
done
exit $rc
