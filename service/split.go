package service

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/settings"
)

// BypassDNSPort is where, on the local resolver's addresses, a second
// resolver answers the bypass group's lookups from the system's own name
// servers; nftables redirects the group's port-53 packets there.
const BypassDNSPort = 53053

// SplitGroups are the split tunnel's process groups (cgroups on Linux).
type SplitGroups interface {
	// Group is the mode's cgroup, a path below the cgroup2 root.
	Group(mode settings.SplitMode) string
	// Ensure creates the mode's group if it is missing.
	Ensure(mode settings.SplitMode) error
	// Move puts process pid, with all its threads, into the mode's group.
	Move(mode settings.SplitMode, pid int) error
	// Watch moves the new (and running) processes of programs into the
	// mode's group from now on; mode off or no programs stops it.
	Watch(mode settings.SplitMode, programs []string) error
}

// bypassResolver is a DNSControl that can answer the bypass group from the
// system's own name servers, outside the tunnel.
type bypassResolver interface {
	// UpBypass starts (or updates) the bypass resolver on port on the
	// local resolver's addresses.
	UpBypass(port uint16, upstreams []netip.AddrPort) error
}

// splitDNS is the running bypass resolver.
type splitDNS struct {
	port    uint16
	servers []netip.Addr
}

// errSplitOff answers an exec request while the split tunnel is off.
var errSplitOff = errors.New("split tunnelling is off: turn it on with 'palisade split mode bypass' or 'palisade split mode vpn-only'")

// splitOnLocked reports whether the split tunnel is on and can run.
func (m *Manager) splitOnLocked() bool {
	return m.settings.Split.On() && m.env.Split != nil
}

// splitInputLocked describes the split tunnel for the firewall; nil when off.
func (m *Manager) splitInputLocked() *firewall.Split {
	if !m.splitOnLocked() {
		return nil
	}
	mode := m.settings.Split.Mode
	s := &firewall.Split{Mode: firewall.SplitBypass, Cgroup: m.env.Split.Group(mode), Mark: platform.SplitMark}
	if mode == settings.SplitVPNOnly {
		s.Mode = firewall.SplitVPNOnly
	}
	if d := m.net.splitDNS; d != nil && s.Mode == firewall.SplitBypass {
		s.DNSPort, s.DNSServers = d.port, d.servers
	}
	return s
}

// splitRoutingLocked is the split tunnel's mode for the policy rules.
func (m *Manager) splitRoutingLocked() platform.SplitMode {
	if !m.splitOnLocked() {
		return platform.SplitOff
	}
	if m.settings.Split.Mode == settings.SplitVPNOnly {
		return platform.SplitVPNOnly
	}
	return platform.SplitBypass
}

// startSplitDNSLocked starts the bypass resolver when the bypass group's
// lookups are to skip the tunnel ("bypass DNS too", the default): it asks
// the system's own name servers from the service's marked sockets, which
// the firewall lets out past the tunnel to exactly those servers.
func (m *Manager) startSplitDNSLocked(s settings.Settings) {
	br, ok := m.env.DNS.(bypassResolver)
	if !ok || !m.splitOnLocked() || s.Split.Mode != settings.SplitBypass || s.Split.TunnelDNS || m.net.dns == nil {
		return
	}
	found, err := m.env.NameServers()
	if err != nil || len(found) == 0 {
		m.env.Log.Warn("split tunnel: the system's name servers are unknown; bypass programs' lookups stay on the local resolver", "err", err)
		return
	}
	host6 := m.env.HostIPv6()
	var servers []netip.Addr
	var ups []netip.AddrPort
	for _, a := range found {
		if a.Is4() || host6 {
			servers = append(servers, a)
			ups = append(ups, netip.AddrPortFrom(a, 53))
		}
	}
	// The firewall opens the servers before the resolver may ask them.
	m.net.splitDNS = &splitDNS{port: BypassDNSPort, servers: servers}
	m.applyNetLocked()
	if err := br.UpBypass(BypassDNSPort, ups); err != nil {
		m.env.Log.Error("split tunnel: bypass resolver not started; bypass programs' lookups stay on the local resolver", "err", err)
		m.net.splitDNS = nil
		return
	}
	m.env.Log.Info("split tunnel: bypass programs' lookups go to the system's name servers directly", "servers", servers)
}

// SplitExec moves process pid (the caller of `palisade exec`, which then
// executes the command) into the group of mode. A caller other than root
// (uid) moves only a process of its own user: the pid is the one the
// kernel recorded at connect, and the caller may have exited since while
// a child kept the connection, leaving the number to another user's
// process.
func (m *Manager) SplitExec(mode settings.SplitMode, pid, uid int) error {
	m.mu.Lock()
	cur, groups, why := m.settings.Split.Mode, m.env.Split, m.env.SplitUnavailable
	m.mu.Unlock()
	switch {
	case groups == nil:
		return errors.New(why)
	case pid <= 0:
		return errors.New("split tunnel: the calling process is unknown")
	case !(settings.Split{Mode: cur}).On():
		return errSplitOff
	case cur != mode:
		return fmt.Errorf("the split tunnel is in %s mode, not %s: change it with 'palisade split mode %s'", cur, mode, mode)
	}
	if uid != 0 {
		owner, err := processUID(pid)
		if err != nil {
			return fmt.Errorf("split tunnel: the calling process %d: %w", pid, err)
		}
		if owner != uid {
			m.env.Log.Warn("split tunnel: exec refused, the process is another user's", "pid", pid, "uid", uid, "owner", owner)
			return fmt.Errorf("split tunnel: process %d is not the caller's (it belongs to uid %d)", pid, owner)
		}
	}
	if err := groups.Move(mode, pid); err != nil {
		return err
	}
	m.env.Log.Info("split tunnel: process moved into the group", "pid", pid, "mode", mode)
	return nil
}

// watchSplit points the program watch at the settings' list, logging a
// failure (the list then takes effect on the next change or start).
func (m *Manager) watchSplit(s settings.Split) {
	if m.env.Split == nil {
		return
	}
	if err := m.env.Split.Watch(s.Mode, s.Programs); err != nil {
		m.env.Log.Error("split tunnel: programs not watched", "err", err)
	}
}

// ensureSplit makes sure the group of a split tunnel being turned on
// exists (it must, before nftables can match it), or says why it cannot.
func (m *Manager) ensureSplit(s settings.Split) error {
	if !s.On() {
		return nil
	}
	if m.env.Split == nil {
		return errors.New(m.env.SplitUnavailable)
	}
	return m.env.Split.Ensure(s.Mode)
}
