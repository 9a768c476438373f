#!/usr/bin/env bash
# Runs the Go test suite, under a virtual X display when one is available so
# the GUI tests can open real windows. Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" go test "$@" ./...
fi
exec go test "$@" ./...
