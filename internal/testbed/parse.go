package testbed

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// leakRules is the nft table in internet that counts packets from the client's
// physical addresses, and from the LAN's NAT64 pool (the client's IPv6
// translated to IPv4). Counter names map to LeakCounts keys by '_' → '/'.
const leakRules = `table inet palleak {
	counter ipv4_tcp {}
	counter ipv4_udp {}
	counter ipv4_icmp {}
	counter ipv6_tcp {}
	counter ipv6_udp {}
	counter ipv6_icmp {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr { 192.168.50.0/24, 192.168.255.0/24 } meta l4proto tcp counter name "ipv4_tcp"
		ip saddr { 192.168.50.0/24, 192.168.255.0/24 } meta l4proto udp counter name "ipv4_udp"
		ip saddr { 192.168.50.0/24, 192.168.255.0/24 } meta l4proto icmp counter name "ipv4_icmp"
		ip6 saddr { fd50::/64, 2001:db8:50::/64 } meta l4proto tcp counter name "ipv6_tcp"
		ip6 saddr { fd50::/64, 2001:db8:50::/64 } meta l4proto udp counter name "ipv6_udp"
		ip6 saddr { fd50::/64, 2001:db8:50::/64 } meta l4proto ipv6-icmp counter name "ipv6_icmp"
	}
}
`

// tunnelRules is the nft table in internet that counts what arrives through
// the tunnel: the server masquerades tunnel traffic, so it comes from the
// server's addresses, and the server sends nothing else to internet.
const tunnelRules = `table inet paltunnel {
	counter ipv4 {}
	counter ipv6 {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		ip saddr 198.51.100.2 counter name "ipv4"
		ip6 saddr 2001:db8:100::2 counter name "ipv6"
	}
}
`

// parseCounters reads `nft -j list counters` output into LeakCounts keys.
func parseCounters(out []byte) (map[string]uint64, error) {
	var doc struct {
		Nftables []struct {
			Counter *struct {
				Name    string `json:"name"`
				Packets uint64 `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("parse nft counters: %w", err)
	}
	counts := make(map[string]uint64)
	for _, o := range doc.Nftables {
		if o.Counter != nil {
			counts[strings.Replace(o.Counter.Name, "_", "/", 1)] = o.Counter.Packets
		}
	}
	if len(counts) == 0 {
		return nil, fmt.Errorf("parse nft counters: no counters in %q", out)
	}
	return counts, nil
}

var (
	volatileRoute = regexp.MustCompile(`\s+expires \S+`)
	nftCounter    = regexp.MustCompile(`counter packets \d+ bytes \d+`)
	nftCounterObj = regexp.MustCompile(`^\s*packets \d+ bytes \d+$`)
	linkLine      = regexp.MustCompile(`^\d+: (\S+): <([^>]*)>`)
)

// normalizeRoutes drops cache entries and expiry timers from ip route output.
func normalizeRoutes(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "cache") || strings.Contains(l, " cache ") {
			continue
		}
		lines = append(lines, strings.TrimRight(volatileRoute.ReplaceAllString(l, ""), " "))
	}
	return strings.Join(lines, "\n")
}

// normalizeLinks keeps the name, flags and state of each `ip -o link` line.
func normalizeLinks(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		m := linkLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		state := ""
		if i := strings.Index(l, " state "); i >= 0 {
			state = " state " + strings.Fields(l[i:])[1]
		}
		lines = append(lines, m[1]+" <"+m[2]+">"+state)
	}
	return strings.Join(lines, "\n")
}

// normalizeRuleset drops packet counters from nft list ruleset output.
func normalizeRuleset(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if nftCounterObj.MatchString(l) {
			continue
		}
		lines = append(lines, nftCounter.ReplaceAllString(l, "counter"))
	}
	return strings.Join(lines, "\n")
}

// parseIperf returns the receiver-side throughput of an `iperf3 -J` run.
func parseIperf(out []byte) (float64, error) {
	var doc struct {
		Error string `json:"error"`
		End   struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return 0, fmt.Errorf("parse iperf3 output: %w", err)
	}
	if doc.Error != "" {
		return 0, fmt.Errorf("iperf3: %s", doc.Error)
	}
	if doc.End.SumReceived.BitsPerSecond <= 0 {
		return 0, fmt.Errorf("iperf3: no received throughput in report")
	}
	return doc.End.SumReceived.BitsPerSecond / 1e6, nil
}
