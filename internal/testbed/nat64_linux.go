package testbed

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/miekg/dns"
)

// taygaConf configures the LAN router's NAT64: the network-specific
// prefix (tayga refuses to translate 64:ff9b::/96 to the bed's
// documentation-range IPv4 addresses, which are not global) and a pool of
// IPv4 addresses the translated flows leave from.
const taygaConf = `tun-device nat64
ipv4-addr 192.168.255.1
prefix %s
dynamic-pool %s
data-dir %s
`

// unboundConf is the LAN router's DNS64 resolver: it forwards to the public
// DNS server on internet and synthesizes AAAA records under the NAT64
// prefix for names that have only A records.
const unboundConf = `server:
  interface: %s
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: ""
  use-syslog: no
  logfile: ""
  access-control: ::/0 allow
  access-control: 0.0.0.0/0 allow
  module-config: "dns64 iterator"
  dns64-prefix: %s
  num-threads: 1
  local-zone: "test." nodefault
  local-zone: "arpa." nodefault
  qname-minimisation: no
forward-zone:
  name: "."
  forward-addr: %s
`

// wireGuardIPv4Only keeps the server's WireGuard port off IPv6, so the only
// way to it from an IPv6-only LAN is the NAT64.
const wireGuardIPv4Only = `table inet palwg4 {
	chain in {
		type filter hook input priority filter; policy accept;
		meta nfproto ipv6 udp dport 51820 drop
	}
}
`

// lanOnlyNAT64 lets only the client's link use the translator: the server
// routes through lan too, and its tunnelled traffic to the prefix would
// otherwise come out of the pool and be counted as the client's leak. A
// real home network's NAT64 is not reachable from a VPN server either.
const lanOnlyNAT64 = `table inet palnat64 {
	chain forward_nat64 {
		type filter hook forward priority filter; policy accept;
		ip6 daddr %s iifname != "lan0" reject with icmpv6 type no-route
	}
}
`

// startNAT64 runs tayga and unbound on lan (Options.NAT64; unbound not
// with NoDNS64), starts the router advertisements (PREF64) and keeps the
// server's WireGuard port IPv4-only.
func (b *Bed) startNAT64() error {
	for _, tool := range []string{"tayga", "unbound"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found; run scripts/deps.sh", tool)
		}
	}
	dir := filepath.Join(b.dir, "nat64")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	conf := filepath.Join(dir, "tayga.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, taygaConf, NAT64Prefix, NAT64Pool, dir), 0o644); err != nil {
		return err
	}
	if _, err := b.Exec(RoleLAN, "tayga", "--mktun", "-c", conf); err != nil {
		return err
	}
	err := b.ipBatch(RoleLAN, "link set nat64 up", "route add "+NAT64Prefix.String()+" dev nat64",
		"route add "+NAT64Pool.String()+" dev nat64")
	if err != nil {
		return err
	}
	if err := b.startLANProc("tayga", "-d", "-c", conf); err != nil {
		return err
	}
	if err := b.nft(RoleServer, wireGuardIPv4Only); err != nil {
		return err
	}
	if err := b.nft(RoleLAN, fmt.Sprintf(lanOnlyNAT64, NAT64Prefix)); err != nil {
		return err
	}
	if b.opts.PREF64 {
		ad, err := Advertise(b.Namespace(RoleLAN), "lan0", Advertisement{RouterLifetime: 30 * time.Minute,
			PREF64: []PREF64Option{{Prefix: NAT64Prefix, Lifetime: 10 * time.Minute}}}, time.Second)
		if err != nil {
			return err
		}
		b.mu.Lock()
		b.ads = ad
		b.mu.Unlock()
	}
	if b.opts.NoDNS64 {
		return nil
	}
	uconf := filepath.Join(dir, "unbound.conf")
	text := fmt.Sprintf(unboundConf, LANIPv6, dir, NAT64Prefix, InternetIPv4)
	if err := os.WriteFile(uconf, []byte(text), 0o644); err != nil {
		return err
	}
	if err := b.startLANProc("unbound", "-d", "-c", uconf); err != nil {
		return err
	}
	return b.waitDNS64()
}

// startLANProc starts a NAT64 helper in lan, logging to <tool>.log.
func (b *Bed) startLANProc(tool string, args ...string) error {
	cmd := append([]string{"ip", "netns", "exec", b.Namespace(RoleLAN), tool}, args...)
	p, err := startProc(filepath.Join(b.dir, tool+".log"), cmd...)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nat64 = append(b.nat64, p)
	return nil
}

// waitDNS64 waits, bounded, until the DNS64 resolver synthesizes
// ipv4only.arpa, which needs unbound up and its upstream reachable.
func (b *Bed) waitDNS64() error {
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		err := b.Do(RoleLAN, func() error {
			c := &dns.Client{Timeout: time.Second}
			m := new(dns.Msg).SetQuestion("ipv4only.arpa.", dns.TypeAAAA)
			r, _, err := c.Exchange(m, net.JoinHostPort(LANIPv6.String(), "53"))
			if err != nil {
				return err
			}
			if len(r.Answer) == 0 {
				return errors.New("no synthesized AAAA for ipv4only.arpa")
			}
			return nil
		})
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("DNS64 resolver not answering: %w", last)
}

// AnnouncePREF64 changes the NAT64 prefixes the LAN router announces
// (Options.PREF64); a zero lifetime withdraws a prefix.
func (b *Bed) AnnouncePREF64(opts ...PREF64Option) error {
	b.mu.Lock()
	ad := b.ads
	b.mu.Unlock()
	if ad == nil {
		return errors.New("testbed: no router advertisements (Options.PREF64)")
	}
	return ad.Set(Advertisement{RouterLifetime: 30 * time.Minute, PREF64: opts})
}

// stopNAT64 stops tayga, unbound and the router advertisements.
func (b *Bed) stopNAT64() {
	b.mu.Lock()
	procs, ad := b.nat64, b.ads
	b.nat64, b.ads = nil, nil
	b.mu.Unlock()
	if ad != nil {
		ad.Stop()
	}
	for _, p := range procs {
		p.stop()
	}
}

// DropLANIPv4 takes IPv4 off the client's link (the client's address and
// default route, the router's address), as if the client had moved to an
// IPv6-only network with NAT64 (Options.NAT64).
func (b *Bed) DropLANIPv4() error {
	if err := b.ipBatch(RoleClient, "addr del 192.168.50.2/24 dev eth0"); err != nil {
		return err
	}
	return b.ipBatch(RoleLAN, "addr del 192.168.50.1/24 dev lan0")
}
