package service

import (
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/nat64"
)

// pref64Source keeps the NAT64 prefixes routers announce in router
// advertisements (RFC 8781), per router, for their lifetime, and tells the
// manager when the set changes, so that the endpoint is re-planned as for
// any other network change. Only prefixes from the host's current IPv6
// default routers count: one from a network the host left is never used.
type pref64Source struct {
	log   *slog.Logger
	table nat64.Table
	// routers lists the IPv6 default routers outside the tunnel.
	routers func(tunnel string) ([]nat64.Router, error)
	// held reads the prefixes the OS keeps for an interface (macOS: the
	// kernel's list, platform.NAT64Prefixes), taken whole at every read;
	// nil where the OS passes the options themselves (Linux, watch).
	held func(iface string) ([]netip.Prefix, error)

	mu     sync.Mutex
	expiry *time.Timer
}

// learn takes one router advertisement option from iface; only PREF64
// options matter. It reports whether the usable prefixes may have
// changed, logging the change in one line.
func (s *pref64Source) learn(iface string, o platform.RouterOption, now time.Time) bool {
	if len(o.Option) == 0 || o.Option[0] != nat64.OptPREF64 {
		return false
	}
	p, err := nat64.ParsePREF64(o.Option)
	if err != nil {
		s.log.Info("router advertisement: PREF64 option ignored", "iface", iface, "router", o.Router, "err", err)
		return false
	}
	r := nat64.Router{Interface: iface, Addr: o.Router}
	if !s.table.Learn(r, p, now) {
		return false
	}
	if p.Lifetime == 0 {
		s.log.Info("router advertisement: NAT64 prefix withdrawn (PREF64)", "prefix", p.Prefix, "iface", iface, "router", o.Router)
	} else {
		s.log.Info("router advertisement: NAT64 prefix announced (PREF64)", "prefix", p.Prefix, "lifetime", p.Lifetime, "iface", iface, "router", o.Router)
	}
	return true
}

// usable returns the announced prefixes that hold now, longest-lasting
// first (nat64.Table.Usable).
func (s *pref64Source) usable(tunnel string) []nat64.Announced {
	routers, err := s.routers(tunnel)
	if err != nil {
		s.log.Warn("default routers unreadable: PREF64 from router advertisements unused", "err", err)
		return nil
	}
	now := time.Now()
	if s.held != nil {
		s.readHeld(routers, now)
	}
	return s.table.Usable(routers, now)
}

// readHeld takes the list the OS holds for each default router's
// interface whole (nat64.Table.Hold), logging a change in one line. A list
// that cannot be read leaves the last one in place.
func (s *pref64Source) readHeld(routers []nat64.Router, now time.Time) {
	for _, r := range routers {
		prefixes, err := s.held(r.Interface)
		if err != nil {
			s.log.Info("NAT64 prefixes of the system unreadable", "iface", r.Interface, "err", err)
			if prefixes == nil {
				continue
			}
		}
		prefixes = slices.DeleteFunc(prefixes, func(p netip.Prefix) bool {
			err := nat64.ValidPrefix(p)
			if err != nil {
				s.log.Info("NAT64 prefix of the system ignored", "iface", r.Interface, "err", err)
			}
			return err != nil
		})
		if s.table.Hold(r, prefixes, now) {
			s.log.Info("NAT64 prefixes the system holds for the interface changed", "iface", r.Interface, "router", r.Addr, "prefixes", prefixes)
		}
	}
}

// watch feeds learn from the OS and calls onChange when a prefix comes,
// goes, or runs out of lifetime.
func (s *pref64Source) watch(start func(fn func(iface string, o platform.RouterOption)) (func(), error), onChange func()) (stop func(), err error) {
	stopOS, err := start(func(iface string, o platform.RouterOption) {
		if s.learn(iface, o, time.Now()) {
			s.rearm(onChange)
			onChange()
		}
	})
	if err != nil {
		return nil, err
	}
	return func() {
		stopOS()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.expiry != nil {
			s.expiry.Stop()
		}
	}, nil
}

// rearm schedules onChange for when the next prefix expires: an expired
// prefix is as gone as a withdrawn one.
func (s *pref64Source) rearm(onChange func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	if at := s.table.Expiry(time.Now()); !at.IsZero() {
		s.expiry = time.AfterFunc(time.Until(at)+time.Second, func() {
			s.rearm(onChange)
			onChange()
		})
	}
}

// defaultRouters6 turns the IPv6 default routes outside the tunnel into
// routers.
func defaultRouters6(read func() ([]platform.Route, error)) func(tunnel string) ([]nat64.Router, error) {
	return func(tunnel string) ([]nat64.Router, error) {
		routes, err := read()
		if err != nil {
			return nil, err
		}
		var out []nat64.Router
		for _, r := range routes {
			if r.Dst.Bits() == 0 && r.Dst.Addr().Is6() && r.Gateway.IsValid() && !r.Loopback && r.Interface != "" && r.Interface != tunnel {
				out = append(out, nat64.Router{Interface: r.Interface, Addr: r.Gateway})
			}
		}
		return out, nil
	}
}
