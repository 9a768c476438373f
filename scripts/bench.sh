#!/usr/bin/env bash
# make bench: Go micro-benchmarks, then palisaded against a plain wireguard-go
# client on the same test bed in the same run (throughput and connect time),
# the resolver against dnsmasq and unbound, and the tray app's idle cost
# (palisade-gui and the palisade-window it starts, on a private Xvfb beside
# a minimal Fyne app).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin build
go build -o bin/ ./cmd/palisaded ./cmd/palisade ./cmd/palisade-gui ./cmd/palisade-gui/palisade-window ./app/internal/fynefloor
echo "== machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "== Go benchmarks"
go test -run '^$' -bench . -benchtime 2s ./firewall ./dnsproxy ./service/profile | tee build/bench-go.txt
if [ "$(id -u)" -eq 0 ]; then
  echo "== tunnel (palisaded vs plain wireguard-go), DNS (resolver vs dnsmasq and unbound) and the GUI's idle cost, same run"
  PALISADE_BENCH=1 PALISADE_BIN="$PWD/bin" go test -count=1 -v -timeout 60m -run '^(TestTunnelBenchmark|TestDNSBenchmark|TestGUIBenchmark)$' ./internal/bench/ \
    | grep -v -e '^=== RUN' -e '^--- ' -e '^PASS$' -e '^ok ' | tee build/bench-tunnel.txt
else
  echo "== tunnel, DNS and GUI benchmarks skipped: need root for network namespaces"
fi
