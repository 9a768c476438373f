// Package tunnel runs an embedded wireguard-go device on a real TUN interface
// and reads its statistics. Routing, addresses and firewall are elsewhere.
package tunnel

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/palisadevpn/palisade/service/profile"
)

// Peer is a WireGuard peer with its endpoint already resolved.
type Peer struct {
	PublicKey    profile.Key
	PresharedKey profile.Key
	Endpoint     netip.AddrPort
	AllowedIPs   []netip.Prefix
	// Keepalive is the persistent keepalive interval in seconds (0 = off).
	Keepalive int
}

// Config is everything the device needs.
type Config struct {
	Name       string
	MTU        int
	PrivateKey profile.Key
	ListenPort int
	// FwMark marks the device's UDP socket so policy routing and the
	// firewall can tell tunnel traffic from everything else (Linux).
	FwMark uint32
	Peers  []Peer
}

// UAPI renders cfg in the wireguard-go configuration protocol, replacing
// every peer so the device ends up exactly as described.
func (cfg Config) UAPI() string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\n", cfg.PrivateKey.Hex())
	fmt.Fprintf(&b, "listen_port=%d\n", cfg.ListenPort)
	if cfg.FwMark != 0 {
		fmt.Fprintf(&b, "fwmark=%d\n", cfg.FwMark)
	}
	b.WriteString("replace_peers=true\n")
	for _, p := range cfg.Peers {
		fmt.Fprintf(&b, "public_key=%s\n", p.PublicKey.Hex())
		if !p.PresharedKey.IsZero() {
			fmt.Fprintf(&b, "preshared_key=%s\n", p.PresharedKey.Hex())
		}
		if p.Endpoint.IsValid() {
			fmt.Fprintf(&b, "endpoint=%s\n", p.Endpoint)
		}
		fmt.Fprintf(&b, "persistent_keepalive_interval=%d\n", p.Keepalive)
		b.WriteString("replace_allowed_ips=true\n")
		for _, a := range p.AllowedIPs {
			fmt.Fprintf(&b, "allowed_ip=%s\n", a)
		}
	}
	return b.String()
}

// Stats is what the device reports about its peers, summed.
type Stats struct {
	// LastHandshake is the newest completed handshake of any peer; zero if
	// none has completed.
	LastHandshake time.Time
	RxBytes       uint64
	TxBytes       uint64
}

// ParseStats reads the relevant fields of a UAPI "get" answer.
func ParseStats(uapi string) (Stats, error) {
	var st Stats
	var sec int64
	sc := bufio.NewScanner(strings.NewReader(uapi))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		var err error
		switch k {
		case "last_handshake_time_sec":
			sec, err = strconv.ParseInt(v, 10, 64)
		case "last_handshake_time_nsec":
			var nsec int64
			nsec, err = strconv.ParseInt(v, 10, 64)
			if t := time.Unix(sec, nsec); (sec != 0 || nsec != 0) && t.After(st.LastHandshake) {
				st.LastHandshake = t
			}
		case "rx_bytes":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 64)
			st.RxBytes += n
		case "tx_bytes":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 64)
			st.TxBytes += n
		}
		if err != nil {
			return Stats{}, fmt.Errorf("uapi %s: %w", k, err)
		}
	}
	return st, sc.Err()
}
