package platform

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// RouterOption is one option of a router advertisement as Linux passes it
// to programs (RTM_NEWNDUSEROPT): the option, type and length octets
// included, the index of the interface it came in on and the router that
// sent it.
type RouterOption struct {
	IfIndex int
	Router  netip.Addr
	Option  []byte
}

// ndUserOpt layout (struct nduseroptmsg, linux/rtnetlink.h): family,
// padding, the options' length (host order), the interface index (host
// order), ICMPv6 type and code, padding; the options follow, then route
// attributes, of which NDUSEROPT_SRCADDR carries the router's address.
const (
	ndUserOptHeader  = 16
	ndUserOptSrcAddr = 1
	afInet6          = 10
	icmpv6RouterAdv  = 134
)

// ParseNDUserOpt splits the payload of an RTM_NEWNDUSEROPT message into the
// router advertisement options it carries (the kernel sends one, but the
// format allows several). Messages about other ICMPv6 types or families
// yield nothing; malformed ones an error.
func ParseNDUserOpt(b []byte) ([]RouterOption, error) {
	if len(b) < ndUserOptHeader {
		return nil, fmt.Errorf("nduseropt: %d octets, shorter than its header", len(b))
	}
	n := int(binary.NativeEndian.Uint16(b[2:4]))
	if ndUserOptHeader+n > len(b) {
		return nil, fmt.Errorf("nduseropt: options of %d octets in a message of %d", n, len(b))
	}
	if b[0] != afInet6 || b[8] != icmpv6RouterAdv {
		return nil, nil
	}
	ifindex := int(int32(binary.NativeEndian.Uint32(b[4:8])))
	router, err := srcAddr(b[min((ndUserOptHeader+n+3)&^3, len(b)):])
	if err != nil {
		return nil, err
	}
	var out []RouterOption
	for opts := b[ndUserOptHeader : ndUserOptHeader+n]; len(opts) > 0; {
		if len(opts) < 2 || opts[1] == 0 || int(opts[1])*8 > len(opts) {
			return nil, errors.New("nduseropt: an option's length runs past the message")
		}
		l := int(opts[1]) * 8
		out = append(out, RouterOption{IfIndex: ifindex, Router: router, Option: opts[:l:l]})
		opts = opts[l:]
	}
	return out, nil
}

// srcAddr finds NDUSEROPT_SRCADDR among route attributes.
func srcAddr(attrs []byte) (netip.Addr, error) {
	for len(attrs) >= 4 {
		l, typ := int(binary.NativeEndian.Uint16(attrs[0:2])), binary.NativeEndian.Uint16(attrs[2:4])
		if l < 4 || l > len(attrs) {
			return netip.Addr{}, errors.New("nduseropt: an attribute's length runs past the message")
		}
		if typ == ndUserOptSrcAddr && l == 4+16 {
			return netip.AddrFrom16([16]byte(attrs[4:20])), nil
		}
		attrs = attrs[min((l+3)&^3, len(attrs)):]
	}
	return netip.Addr{}, errors.New("nduseropt: no router address")
}
