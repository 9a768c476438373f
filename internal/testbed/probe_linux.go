package testbed

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// probeTimeout bounds every probe, so a black-holed packet fails fast.
const probeTimeout = 2 * time.Second

// ProbeTCP connects from the client to addr (the internet's HTTPPort service)
// and returns the source address the far side saw.
func (b *Bed) ProbeTCP(ctx context.Context, addr netip.AddrPort) (seenSrc string, err error) {
	return b.ProbeWith(ctx, net.Dialer{}, "tcp", addr)
}

// ProbeUDP sends a datagram from the client to addr (the internet's EchoPort
// service) and returns the source address the far side saw.
func (b *Bed) ProbeUDP(ctx context.Context, addr netip.AddrPort) (seenSrc string, err error) {
	return b.ProbeWith(ctx, net.Dialer{}, "udp", addr)
}

// ProbeWith is ProbeTCP ("tcp") or ProbeUDP ("udp") from a socket made by
// d, whose Control may set socket options first (SO_BINDTODEVICE, SO_MARK)
// as a program trying to get around the tunnel would. It dials from the client namespace, sends a datagram for UDP, and reads
// one line of reply.
func (b *Bed) ProbeWith(ctx context.Context, d net.Dialer, network string, addr netip.AddrPort) (string, error) {
	return b.ProbeFrom(ctx, RoleClient, d, network, addr)
}

// ProbeFrom is ProbeWith from role's namespace (RoleGuest: a container
// behind the client).
func (b *Bed) ProbeFrom(ctx context.Context, role string, d net.Dialer, network string, addr netip.AddrPort) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var seen string
	err := b.Do(role, func() error {
		c, err := d.DialContext(ctx, network, addr.String())
		if err != nil {
			return err
		}
		defer c.Close()
		deadline, _ := ctx.Deadline()
		c.SetDeadline(deadline)
		if network == "udp" {
			if _, err := c.Write([]byte("probe")); err != nil {
				return err
			}
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		seen = strings.TrimSpace(line)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("%s probe %s: %w", network, addr, err)
	}
	return seen, nil
}

// ProbePing sends one ICMP or ICMPv6 echo request from the client to addr.
func (b *Bed) ProbePing(ctx context.Context, addr netip.Addr) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, err := run(ctx, nil, "ip", "netns", "exec", b.Namespace(RoleClient), "ping", "-n", "-c1", "-W1", addr.String())
	return err
}

// ProbeDNS asks server, from the client namespace, for name and qtype over
// UDP, retrying over TCP when the answer is truncated.
func (b *Bed) ProbeDNS(ctx context.Context, server netip.AddrPort, name string, qtype uint16) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	var reply *dns.Msg
	err := b.Do(RoleClient, func() error {
		var err error
		for _, network := range []string{"udp", "tcp"} {
			c := dns.Client{Net: network}
			reply, _, err = c.ExchangeContext(ctx, q, server.String())
			if err != nil || !reply.Truncated {
				return err
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dns probe %s %s: %w", server, name, err)
	}
	return reply, nil
}

// LeakCounts returns how many packets from the client's physical addresses
// reached internet, keyed "ipv4/tcp", "ipv4/udp", "ipv4/icmp", "ipv6/tcp",
// "ipv6/udp", "ipv6/icmp".
func (b *Bed) LeakCounts() (map[string]uint64, error) {
	return b.counters("palleak")
}

// ResetLeakCounts sets every leak counter back to zero.
func (b *Bed) ResetLeakCounts() error {
	return b.resetCounters("palleak")
}

// TunnelCounts returns how many packets reached internet through the
// tunnel (from the server's addresses), keyed "ipv4" and "ipv6".
func (b *Bed) TunnelCounts() (map[string]uint64, error) {
	return b.counters("paltunnel")
}

// ResetTunnelCounts sets the tunnel counters back to zero.
func (b *Bed) ResetTunnelCounts() error {
	return b.resetCounters("paltunnel")
}

func (b *Bed) counters(table string) (map[string]uint64, error) {
	return b.Counters(RoleInternet, "inet", table)
}

func (b *Bed) resetCounters(table string) error {
	return b.ResetCounters(RoleInternet, "inet", table)
}

// Counters reads the named counters of an nft table (family "inet",
// "netdev", ...) a test loaded into role's namespace, keyed by counter
// name with its first '_' read as '/'.
func (b *Bed) Counters(role, family, table string) (map[string]uint64, error) {
	out, err := b.Exec(role, "nft", "-j", "list", "counters", "table", family, table)
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, out)
	}
	return parseCounters(out)
}

// ResetCounters sets the named counters of a table back to zero.
func (b *Bed) ResetCounters(role, family, table string) error {
	out, err := b.Exec(role, "nft", "reset", "counters", "table", family, table)
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// Snapshot returns role's rules, routes, links and nft ruleset as normalized
// text, equal across runs unless the configuration changed.
func (b *Bed) Snapshot(role string) (string, error) {
	sections := []struct {
		args []string
		norm func(string) string
	}{
		{[]string{"ip", "-4", "rule"}, nil},
		{[]string{"ip", "-6", "rule"}, nil},
		{[]string{"ip", "-4", "route", "show", "table", "all"}, normalizeRoutes},
		{[]string{"ip", "-6", "route", "show", "table", "all"}, normalizeRoutes},
		{[]string{"ip", "-o", "link"}, normalizeLinks},
		{[]string{"nft", "list", "ruleset"}, normalizeRuleset},
	}
	var s strings.Builder
	for _, sec := range sections {
		out, err := b.Exec(role, sec.args...)
		text := string(out)
		if err != nil && !(sec.args[1] == "-6" && b.ipv6Disabled(role)) {
			return "", err
		}
		if sec.norm != nil {
			text = sec.norm(text)
		}
		fmt.Fprintf(&s, "== %s\n%s\n", strings.Join(sec.args, " "), strings.TrimSpace(text))
	}
	return s.String(), nil
}

// ipv6Disabled reports whether role runs without IPv6, where ip -6 may fail.
func (b *Bed) ipv6Disabled(role string) bool {
	return role == RoleClient && b.opts.ClientNoIPv6
}

// LoadNFT loads an nft ruleset (nft -f syntax) into role's namespace, as
// tests do to count what crosses a link.
func (b *Bed) LoadNFT(role, rules string) error {
	return b.nft(role, rules)
}
