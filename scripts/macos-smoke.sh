#!/usr/bin/env bash
# Privileged smoke test of palisaded on a real Mac (the macOS workflow runs it
# with sudo on GitHub's runners; nothing here runs on Linux). It starts the
# service from bin/, connects to a wireguard-go peer on this host (endpoint
# 127.0.0.1, so the runner's own network is never routed anywhere), checks
# the handshake, the pf anchor, the local resolver and the dynamic store DNS
# of every service, then disconnects and checks that routes, pf and DNS are
# as before; last, the early block of kill switch always at start.
# Needs wireguard-go and wg (brew install wireguard-tools) and dig.
# The kill switch is engaged only between connect and disconnect, a few
# seconds: the runner's own connections are reset then and reconnect.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname)" = Darwin ] || { echo "macos-smoke: macOS only" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "macos-smoke: run with sudo" >&2; exit 1; }
BIN=${BIN:-bin}
work=$(mktemp -d)
state=$work/state
export PALISADE_SOCKET=$work/palisaded.sock
anchor=com.apple/palisade
daemon= peer_if=
fail() { echo "macos-smoke: FAIL: $*" >&2; exit 1; }
pass() { echo "macos-smoke: ok: $*"; }

finish() {
  rc=$?
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  "$BIN/palisaded" cleanup --state-dir "$state" || true
  [ -n "$peer_if" ] && rm -f "/var/run/wireguard/$peer_if.sock"
  if [ $rc -ne 0 ]; then echo "--- palisaded log"; cat "$work/palisaded.out" || true; fi
  rm -rf "$work"
  exit $rc
}
trap finish EXIT

# Routes that are not cloned neighbour entries, without the volatile columns.
routes() { netstat -rn -f "$1" | awk 'NR>3 && $3 !~ /W/ {print $1, $2, $NF}' | sort; }
palisade() { "$BIN/palisade" "$@"; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1]) or "")' "$1"; }

# The peer: wireguard-go on its own utun, listening on loopback.
wg genkey >"$work/peer.key"; wg genkey >"$work/client.key"
peer_pub=$(wg pubkey <"$work/peer.key"); client_pub=$(wg pubkey <"$work/client.key")
WG_TUN_NAME_FILE=$work/peer.name wireguard-go utun
peer_if=$(cat "$work/peer.name")
wg set "$peer_if" listen-port 51820 private-key "$work/peer.key" peer "$client_pub" allowed-ips 10.99.0.2/32,fd99::2/128
ifconfig "$peer_if" inet 10.99.0.1/32 10.99.0.1 alias
ifconfig "$peer_if" inet6 fd99::1/128 alias
ifconfig "$peer_if" up

# The baseline includes the peer, so only Palisade's changes show.
routes inet >"$work/routes4.before"
routes inet6 >"$work/routes6.before"

cat >"$work/smoke.conf" <<CONF
[Interface]
PrivateKey = $(cat "$work/client.key")
Address = 10.99.0.2/32, fd99::2/128
DNS = 10.99.0.1, fd99::1

[Peer]
PublicKey = $peer_pub
AllowedIPs = 10.99.0.0/24, fd99::/64
Endpoint = 127.0.0.1:51820
CONF

"$BIN/palisaded" run --state-dir "$state" --socket "$PALISADE_SOCKET" --debug >"$work/palisaded.out" 2>&1 &
daemon=$!
for _ in $(seq 50); do [ -S "$PALISADE_SOCKET" ] && break; sleep 0.2; done
[ -S "$PALISADE_SOCKET" ] || fail "palisaded did not open its socket"

palisade set killswitch auto
palisade profile import "$work/smoke.conf" --name smoke
palisade connect smoke --wait --timeout 30s || fail "no handshake"
palisade status --json >"$work/status.json"
iface=$(field interface <"$work/status.json")
[[ $iface == utun* ]] || fail "tunnel interface is '$iface', not utun"
[ -n "$(field last_handshake <"$work/status.json")" ] || fail "no handshake in status"
pass "connected on $iface with a handshake"

netstat -rn -f inet | grep -q "^10.99.*$iface" || fail "no IPv4 route via $iface"
netstat -rn -f inet6 | grep -q "^fd99::.*$iface" || fail "no IPv6 route via $iface"
pass "routes via $iface"

# The peer's own tunnel addresses are local to this Mac, so pinging them
# never crosses utun; addresses in AllowedIPs that nobody holds do. Two
# echo requests grow the tunnel's sent bytes by well over 200 (a keepalive
# is 32); the status is polled, bounded, until it shows them.
txbytes() { palisade status --json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("tx_bytes") or 0)'; }
sent_through() {
  local tx=$1 _
  for _ in $(seq 20); do
    [ "$(txbytes)" -ge $((tx + 200)) ] && return 0
    sleep 0.5
  done
  return 1
}
tx=$(txbytes)
ping -c 2 -t 3 10.99.0.77 >/dev/null 2>&1 || true
sent_through "$tx" || fail "IPv4 to 10.99.0.77 was not sent through $iface"
tx=$(txbytes)
ping6 -c 2 fd99::77 >/dev/null 2>&1 || true
sent_through "$tx" || fail "IPv6 to fd99::77 was not sent through $iface"
pass "both families sent through $iface"

pfctl -a "$anchor" -sr >"$work/pf.during"
cat "$work/pf.during"
grep -q "pass out quick on $iface all flags any" "$work/pf.during" || fail "no tunnel pass for $iface in $anchor"
grep -q "block return-rst out quick proto tcp all" "$work/pf.during" || fail "no final reject in $anchor"
grep -q "scrub in all fragment reassemble" "$work/pf.during" || fail "no fragment reassembly in $anchor"
pfctl -s info | grep -q "Status: Enabled" || fail "pf is not enabled"
pass "pf anchor $anchor loaded and pf enabled"

for server in 127.80.73.65 fe80::80:73:65%lo0; do
  dig +time=3 +tries=2 "@$server" example.com | grep -q "status:" || fail "no DNS answer from $server"
done
scutil --dns | grep -q "nameserver\[0\] : 127.80.73.65" || fail "system DNS not pointed at 127.80.73.65"
pass "local resolver answers on both addresses and the system uses it"

# Every service's DNS, not the primary's alone (docs/dns.md): each State:
# service DNS key holds the resolver while connected.
service_dns_keys() { printf 'open\nlist State:/Network/Service/[^/]+/DNS\nquit\n' | scutil | awk '/subKey/ {print $NF}'; }
service_dns_keys >"$work/dnskeys"
[ -s "$work/dnskeys" ] || fail "no service DNS key in the dynamic store"
while read -r key; do
  printf 'open\nshow %s\nquit\n' "$key" | scutil | grep -q "127.80.73.65" || fail "$key does not hold the local resolver"
done <"$work/dnskeys"
pass "every service's DNS points at the resolver ($(wc -l <"$work/dnskeys" | tr -d ' ') keys)"

palisade disconnect
for _ in $(seq 50); do
  [ "$(palisade status --json | field state)" = disconnected ] && break; sleep 0.2
done
[ "$(palisade status --json | field state)" = disconnected ] || fail "not disconnected"

routes inet >"$work/routes4.after"
routes inet6 >"$work/routes6.after"
diff -u "$work/routes4.before" "$work/routes4.after" || fail "IPv4 routes not restored"
diff -u "$work/routes6.before" "$work/routes6.after" || fail "IPv6 routes not restored"
scutil --dns | grep -q "127.80.73.65" && fail "system DNS still points at the local resolver"
[ -z "$(pfctl -a "$anchor" -sr 2>/dev/null)" ] || fail "anchor $anchor still has rules after disconnect"
while read -r key; do
  printf 'open\nshow %s\nquit\n' "$key" | scutil | grep -q "127.80.73.65" && fail "$key still holds the local resolver"
done <"$work/dnskeys"
pass "disconnect restored routes, pf and DNS (every service)"

# The boot window (docs/firewall.md): with kill switch always saved, a
# service started on an empty anchor (as after a reboot) loads the block
# before anything else it logs and before it serves the API.
palisade set killswitch always
kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
pfctl -a "$anchor" -F rules 2>/dev/null || true
[ -z "$(pfctl -a "$anchor" -sr 2>/dev/null)" ] || fail "anchor $anchor not emptied"
"$BIN/palisaded" run --state-dir "$state" --socket "$PALISADE_SOCKET" --debug >"$work/palisaded2.out" 2>&1 &
daemon=$!
for _ in $(seq 50); do grep -q "palisaded ready" "$work/palisaded2.out" && break; sleep 0.2; done
early=$(grep -n "kill switch: traffic blocked before the rest of the start" "$work/palisaded2.out" | head -1 | cut -d: -f1)
ready=$(grep -n "palisaded ready" "$work/palisaded2.out" | head -1 | cut -d: -f1)
[ -n "$early" ] && [ -n "$ready" ] && [ "$early" -lt "$ready" ] || { cat "$work/palisaded2.out"; fail "no early block before ready (lines '$early', '$ready')"; }
grep -q "block return-rst out quick proto tcp all" <(pfctl -a "$anchor" -sr) || fail "no block in $anchor after the restart"
palisade set killswitch auto
[ -z "$(pfctl -a "$anchor" -sr 2>/dev/null)" ] || fail "anchor $anchor still blocks with auto and no session"
pass "kill switch always blocks first at start"
echo "macos-smoke: 11 passed, 0 failed"
