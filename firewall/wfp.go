package firewall

import (
	"fmt"
	"net/netip"
	"strconv"

	"go4.org/netipx"
)

// wfpLayer is a WFP ALE layer: connection authorization, so replies of
// authorized connections need no rule of their own.
type wfpLayer uint8

// The layers the kill switch uses.
const (
	layerConnectV4 wfpLayer = iota
	layerConnectV6
	layerAcceptV4
	layerAcceptV6
)

func (l wfpLayer) String() string {
	return [...]string{"connect-v4", "connect-v6", "recv-accept-v4", "recv-accept-v6"}[l]
}

// Filter is one WFP filter described without Windows types, so the
// translation from Policy is tested on any OS. Conditions on different
// fields must all match; a list matches any of its entries.
type Filter struct {
	Name   string
	Layer  wfpLayer
	Permit bool
	// Weight orders filters in our sublayer: the policy's first rule gets
	// the highest weight, so permits precede the catch-all blocks.
	Weight   uint64
	Loopback bool
	Iface    string
	NotIface bool
	// Proto is the IP protocol number, 0 for any.
	Proto       uint8
	RemoteAddrs []netip.Prefix
	LocalAddrs  []netip.Prefix
	RemotePort  uint16
	// LocalPort also carries the ICMP type, as WFP does in ALE layers.
	LocalPort uint16
	// AppID restricts the filter to the service's executable.
	AppID bool
	// BootTime marks filters that are enforced before the filtering
	// engine starts: only address and port conditions, which a reboot
	// does not invalidate.
	BootTime bool
}

// wfpFilters translates a policy into WFP filters. Forwarded traffic is
// not rendered (WFP's ALE layers do not see it); established traffic is
// implicit in ALE.
func wfpFilters(p Policy) []Filter {
	var fs []Filter
	for _, ch := range p.chains() {
		if ch.dir == DirForward {
			continue
		}
		for _, r := range ch.rules {
			if r.Established || r.matchesNothing() {
				continue
			}
			fs = append(fs, wfpRule(ch.dir, r)...)
		}
	}
	for i := range fs {
		fs[i].Weight = uint64(len(fs) - i)
	}
	if p.Persistent {
		for _, f := range fs {
			if !f.AppID && f.Iface == "" {
				f.BootTime = true
				fs = append(fs, f)
			}
		}
	}
	return fs
}

func wfpRule(dir Direction, r Rule) []Filter {
	var fs []Filter
	for _, fam := range bothFamilies {
		if r.Family != FamilyAny && r.Family != fam {
			continue
		}
		f := Filter{
			Name:     fmt.Sprintf("%s: %s", dir, r.Reason),
			Permit:   r.Action == Accept,
			Loopback: r.Loopback, Iface: r.Iface, NotIface: r.NotIface,
			Proto: wfpProto(r.Proto),
			AppID: r.Service,
		}
		dst := r.Dst
		if r.NotDst {
			dst = complement(fam, r.Dst)
		}
		if dir == DirInput {
			f.Layer = layerAcceptV4
			f.RemoteAddrs, f.LocalAddrs = r.Src, dst
			f.RemotePort, f.LocalPort = r.SrcPort, r.DstPort
		} else {
			f.Layer = layerConnectV4
			f.RemoteAddrs, f.LocalAddrs = dst, r.Src
			f.RemotePort, f.LocalPort = r.DstPort, r.SrcPort
		}
		if r.ICMPType != 0 {
			f.LocalPort = uint16(r.ICMPType)
		}
		if fam == FamilyIPv6 {
			f.Layer++
		}
		fs = append(fs, f)
	}
	return fs
}

func wfpProto(p Proto) uint8 {
	return [...]uint8{0, 6, 17, 58}[p]
}

// complement lists the prefixes of family f outside ps, since a WFP
// condition cannot negate a list.
func complement(f Family, ps []netip.Prefix) []netip.Prefix {
	var b netipx.IPSetBuilder
	all := netip.MustParsePrefix("0.0.0.0/0")
	if f == FamilyIPv6 {
		all = netip.MustParsePrefix("::/0")
	}
	b.AddPrefix(all)
	for _, p := range ps {
		b.RemovePrefix(p.Masked())
	}
	s, _ := b.IPSet()
	return s.Prefixes()
}

// interfaceIndex resolves a rule's interface: an adapter name, or an
// interface index, which is how Windows zones link-local addresses
// (fe80::1%12, a router's DNS server on the adapter with index 12).
func interfaceIndex(name string, byName func(string) (int, error)) (int, error) {
	if i, ok := zoneIndex(name); ok {
		return i, nil
	}
	return byName(name)
}

// interfaceName resolves a rule's interface for backends that match names
// (nftables): a zone may be an index, as systemd-resolved writes
// link-local servers (fe80::1%2). An index no interface has any more stays
// as it is and matches nothing.
func interfaceName(name string, byIndex func(int) (string, error)) string {
	if i, ok := zoneIndex(name); ok {
		if n, err := byIndex(i); err == nil && n != "" {
			return n
		}
	}
	return name
}

// zoneIndex reads a numeric zone (an interface index).
func zoneIndex(zone string) (int, bool) {
	i, err := strconv.ParseUint(zone, 10, 31)
	return int(i), err == nil && i > 0
}
