package platform

import (
	"errors"
	"fmt"
	"net/netip"
)

// RouterOption is one option of a router advertisement, type and length
// octets included, with the index of the interface it came in on and the
// router that sent it.
type RouterOption struct {
	IfIndex int
	Router  netip.Addr
	Option  []byte
}

// The ICMPv6 type of a router advertisement and the size of its fixed
// part (type, code, checksum, hop limit, flags, router lifetime, reachable
// time, retransmission timer), RFC 4861 section 4.2.
const (
	icmpv6RouterAdvertisement = 134
	raHeader                  = 16
)

// ParseRouterAdvertisement returns the options of an ICMPv6 router
// advertisement as a raw socket reads it (no IPv6 header). A message that
// is not a router advertisement, or whose options run past its end or
// have length zero (RFC 4861 section 6.1.2 says to drop it), is an error.
func ParseRouterAdvertisement(msg []byte) ([][]byte, error) {
	if len(msg) < raHeader || msg[0] != icmpv6RouterAdvertisement || msg[1] != 0 {
		return nil, errors.New("router advertisement: not one, or shorter than its fixed part")
	}
	var out [][]byte
	for opts := msg[raHeader:]; len(opts) > 0; {
		if len(opts) < 2 || opts[1] == 0 || int(opts[1])*8 > len(opts) {
			return nil, errors.New("router advertisement: an option's length is zero or runs past the message")
		}
		l := int(opts[1]) * 8
		out = append(out, opts[:l:l])
		opts = opts[l:]
	}
	return out, nil
}

// trustedAdvertisement applies RFC 4861 section 6.1.2: a router
// advertisement counts only when it arrived with hop limit 255 (no router
// forwarded it: it came from the link itself) from a link-local address.
func trustedAdvertisement(hopLimit int, src netip.Addr) error {
	if hopLimit != 255 {
		return fmt.Errorf("router advertisement from %s: hop limit %d, not 255: it crossed a router", src, hopLimit)
	}
	if !src.Is6() || src.Is4In6() || !src.IsLinkLocalUnicast() {
		return fmt.Errorf("router advertisement from %s: not a link-local source", src)
	}
	return nil
}
