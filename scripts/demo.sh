#!/usr/bin/env bash
# make demo: runs palisaded against the built-in WireGuard server in network
# namespaces and shows both address families going through the tunnel.
# `demo.sh down` removes whatever an interrupted demo left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "make demo needs root: it creates network namespaces" >&2
  exit 1
fi

down() {
  for ns in $(ip netns list 2>/dev/null | awk '/^pal-/{print $1}'); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf /run/palisade-testbed
  echo "demo: nothing left behind"
}

if [ "${1:-}" = down ]; then
  down
  exit 0
fi

mkdir -p bin
go build -o bin/ ./cmd/palisaded ./cmd/palisade
if [ -n "${DISPLAY:-}" ]; then
  go build -o bin/ ./cmd/palisade-gui ./cmd/palisade-gui/palisade-window || echo "demo: GUI not built; continuing without it"
fi
hold=0
[ -t 0 ] && hold=10m
trap down INT TERM
PALISADE_DEMO=1 PALISADE_BIN="$PWD/bin" PALISADE_DEMO_HOLD="${PALISADE_DEMO_HOLD:-$hold}" \
  go test -count=1 -v -run '^TestDemo$' ./internal/demo/ | grep -v -e '^=== RUN' -e '^--- ' -e '^PASS$' -e '^ok '
