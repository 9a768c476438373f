// Package service is the Palisade daemon: the tunnel state machine, the
// settings and profile stores it enforces, and the local API.
package service

import (
	"context"
	"errors"
	"fmt"
	"github.com/palisadevpn/palisade/platform"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/nat64"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
	"github.com/palisadevpn/palisade/service/tunnel"
)

// Device is the running WireGuard device, as the manager uses it.
type Device interface {
	Name() string
	Stats() (tunnel.Stats, error)
	Reconfigure(cfg tunnel.Config) error
	Close()
}

// Timing holds the state machine's clocks; tests shorten them.
type Timing struct {
	// HandshakeTimeout is how long Connecting waits for a handshake.
	HandshakeTimeout time.Duration
	// StaleAfter is how old the last handshake may grow while Connected.
	StaleAfter time.Duration
	// Poll is how often the device statistics are read.
	Poll time.Duration
	// RetryMin and RetryMax bound the retry backoff.
	RetryMin, RetryMax time.Duration
	// FamilyFallback is how long one endpoint address may go without a
	// handshake before the next one (the other family) is tried; 0 means
	// DefaultTiming's.
	FamilyFallback time.Duration
}

// DefaultTiming is used in production.
var DefaultTiming = Timing{
	HandshakeTimeout: 20 * time.Second,
	StaleAfter:       180 * time.Second,
	Poll:             time.Second,
	RetryMin:         2 * time.Second,
	RetryMax:         60 * time.Second,
	FamilyFallback:   3 * time.Second,
}

// Manager owns the tunnel and everything set up around it.
//
// It is the one owner of the session lifecycle. Every command that starts
// or stops a session (Connect, Disconnect, a reconnect for new settings,
// Close) holds ctl from start to finish, across the old session's teardown
// and the new one's start; so commands apply one after another, at most one
// session exists, and a new one starts only after the previous teardown has
// finished. mu guards the state that sessions, status readers and the
// network monitor share; it is never held while waiting for a teardown.
type Manager struct {
	env      Env
	profiles *profile.Store

	ctl sync.Mutex
	// closed: Close ran; no session may start any more. Guarded by ctl.
	closed bool

	mu       sync.Mutex
	settings settings.Settings
	status   ipc.Status
	// armed: a connect succeeded and the user has not disconnected since,
	// whatever the kill switch mode was then, so auto stays engaged (also
	// after a switch to auto from always or off while reconnecting).
	armed bool
	net   netState
	// cur is the current session, nil when none. It changes only with both
	// ctl and mu held; a session that is no longer cur may still be tearing
	// down, but nothing it reports reaches the status.
	cur     *session
	lastUse string
	// removedLast names the last used profile after its removal (until
	// the next connect), so a plain connect can say what happened.
	removedLast string
	// names caches resolved endpoint host names for their TTL.
	names nameCache
	subs  map[chan ipc.Status]struct{}
	// checks decides which self-check requests run the probes (one run
	// at a time, shared and briefly reused); checkLimits bound them.
	checks      *checkShare[sharedCheck]
	checkLimits checkLimits
}

// session is one connection to a profile, from connect until it is
// stopped: bring-up, handshake watching and its own retries.
type session struct {
	name    string
	profile *profile.Profile
	ctx     context.Context
	cancel  context.CancelFunc
	// done is closed when the session's teardown has finished: device
	// closed, routes and DNS undone.
	done chan struct{}
	// netChanged wakes the session's watch to re-decide the endpoint
	// family after a network change (buffered: one pending is enough).
	netChanged chan struct{}
	// mtu is the tunnel MTU last chosen for the session (chooseMTU).
	mtu platform.MTUChoice
	// reach is what the host reached when the endpoints were last
	// planned; only the session's own goroutine touches it.
	reach reach
}

// New creates a manager from its environment. It applies the kill switch for
// the current settings at once, before anything slow, so that `always`
// blocks from the first moment.
func New(env Env) (*Manager, error) {
	if err := env.fill(); err != nil {
		return nil, err
	}
	store, err := profile.OpenStore(env.ProfileDir())
	if err != nil {
		return nil, err
	}
	s, aside := settings.Load(env.StateDir, env.Log)
	m := &Manager{env: env, profiles: store, settings: s, subs: map[chan ipc.Status]struct{}{},
		checks: newCheckShare[sharedCheck](checkReuse), checkLimits: defaultCheckLimits}
	m.status = ipc.Status{State: ipc.Disconnected, Since: time.Now()}
	if aside != "" {
		m.status.LastError = "settings were unreadable and have been reset to defaults; the old file is kept as " + aside
	}
	j := m.loadJournal()
	m.lastUse = j.LastProfile
	m.armed = j.Armed
	// A marker written before this process started was for the previous
	// one's stop; it must not make this one's keep blocking.
	takeRestartMarker(env.StateDir, time.Now())
	m.recoverLeftovers()
	if err := m.ensureSplit(s.Split); err != nil {
		env.Log.Error("split tunnel off: its group is unusable", "err", err)
		m.status.LastError = "split tunnel: " + err.Error()
		m.settings.Split.Mode = settings.SplitOff
	}
	m.watchSplit(m.settings.Split)
	m.mu.Lock()
	m.net.onLink = env.OnLink()
	had := m.takeKeptRecordLocked()
	m.applyNetLocked()
	m.logTakeOverLocked(had)
	m.publishLocked()
	m.mu.Unlock()
	if j.Connected && s.ReconnectOnStart && j.LastProfile != "" {
		env.Log.Info("reconnecting: the service was connected when it stopped", "profile", j.LastProfile)
		if err := m.Connect(j.LastProfile); err != nil {
			env.Log.Warn("reconnect at start failed", "err", err)
		}
	}
	return m, nil
}

// Connect starts connecting with the named profile ("" = last used). A
// running connection is replaced: it is torn down before the new one starts.
func (m *Manager) Connect(name string) error {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	return m.connectCtl(name)
}

// connectCtl is Connect with ctl held.
func (m *Manager) connectCtl(name string) error {
	if m.closed {
		return errors.New("the service is stopping")
	}
	if name == "" {
		var err error
		if name, err = m.chooseProfile(); err != nil {
			return err
		}
	}
	p, err := m.profiles.Load(name)
	if err != nil {
		return err
	}
	m.stopCtl(nil)
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{name: name, profile: p, ctx: ctx, cancel: cancel, done: make(chan struct{}), netChanged: make(chan struct{}, 1)}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cur = s
	m.lastUse, m.removedLast = name, ""
	m.status.Profile = name
	m.status.LastError = ""
	m.saveJournalLocked(true)
	go m.run(s)
	return nil
}

// reconnectCtl replaces the current session by a new one for the same
// profile, so that changes which shape the tunnel take effect. Without a
// current session (the user disconnected) it does nothing: only a connect
// starts a session.
func (m *Manager) reconnectCtl(reason string) error {
	m.mu.Lock()
	cur := m.cur
	m.mu.Unlock()
	if cur == nil {
		return nil
	}
	m.env.Log.Info("reconnecting", "profile", cur.name, "reason", reason)
	return m.connectCtl(cur.name)
}

// Disconnect stops the tunnel at the user's request, which also disarms the
// auto kill switch. When it returns no session exists, and none starts
// until the next Connect.
func (m *Manager) Disconnect() {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	m.stopCtl(func() { m.setStateLocked(ipc.Disconnecting, "user disconnect") })
	m.mu.Lock()
	defer m.mu.Unlock()
	m.armed = false
	m.status.LastError = ""
	m.setStateLocked(ipc.Disconnected, "user disconnect")
	m.saveJournalLocked(false)
}

// stopCtl ends the current session and waits for its teardown. The session
// stops being current at once, under mu, together with its cancellation,
// so nothing it reports afterwards reaches the status. detached, if not
// nil, runs under mu right after, when there was a session.
func (m *Manager) stopCtl(detached func()) {
	m.mu.Lock()
	s := m.cur
	m.cur = nil
	if s != nil {
		s.cancel()
		if detached != nil {
			detached()
		}
	}
	m.mu.Unlock()
	if s != nil {
		<-s.done
	}
}

// Close stops the manager at service shutdown. Routes and DNS are undone;
// the kill switch's block stays with always, and with an armed auto when
// the service is expected back (stopKeepsBlock).
func (m *Manager) Close() {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	m.closed = true
	// Asked first, while the service manager's stop job surely runs, and
	// outside mu: it may wait on D-Bus.
	kind, evidence := m.env.StopKind()
	m.watchSplit(settings.Split{})
	m.stopCtl(nil)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status.State = ipc.Disconnected
	m.shutdownNetLocked(kind, evidence)
	for ch := range m.subs {
		close(ch)
		delete(m.subs, ch)
	}
}

// Status returns the current status.
func (m *Manager) Status() ipc.Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// Subscribe returns a channel receiving every new status, and a function to
// stop. Slow subscribers miss intermediate states but always get the latest.
func (m *Manager) Subscribe() (<-chan ipc.Status, func()) {
	ch := make(chan ipc.Status, 1)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	ch <- m.status
	m.mu.Unlock()
	return ch, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if _, ok := m.subs[ch]; ok {
			delete(m.subs, ch)
			close(ch)
		}
	}
}

func (m *Manager) publishLocked() {
	for ch := range m.subs {
		select {
		case <-ch: // drop the stale one
		default:
		}
		ch <- m.status
	}
}

// setStateLocked records a transition, logs it in one line with the reason,
// re-renders the firewall and tells subscribers.
func (m *Manager) setStateLocked(s ipc.State, reason string) {
	if m.status.State != s {
		m.env.Log.Info("state", "from", m.status.State, "to", s, "reason", reason)
		m.status.State = s
		m.status.Since = time.Now()
	}
	if s == ipc.Connected && !m.armed {
		m.armed = true
		m.saveJournalLocked(true)
	}
	m.applyNetLocked()
	m.publishLocked()
}

// NetworkChanged follows a change of the host's addresses or routes: the
// endpoint host routes move to the new default gateway (macOS, Windows), the
// system DNS is re-asserted, the firewall is re-rendered so allow-LAN
// follows the on-link prefixes, and the session re-decides the endpoint
// family.
func (m *Manager) NetworkChanged() {
	onLink := m.env.OnLink()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.net.onLink = onLink
	// RFC 7050: the NAT64 prefix is discovered again on a new network.
	m.names.forget(nat64.DiscoveryName)
	m.replanLocked("network changed")
	m.applyNetLocked()
	if m.cur != nil {
		select {
		case m.cur.netChanged <- struct{}{}:
		default:
		}
	}
}

// dnsReasserter is a DNSControl that can put its settings back after the
// system changed them (macOS: a new primary network service, DHCP).
type dnsReasserter interface {
	Reassert() error
}

// replanLocked re-plans what depends on the physical network while a
// tunnel is up: endpoint host routes and the system DNS.
func (m *Manager) replanLocked(why string) {
	if m.net.dev == nil {
		return
	}
	if rp, ok := m.env.Router.(platform.Replanner); ok {
		if err := rp.Replan(m.net.endpoints); err != nil {
			m.env.Log.Warn("endpoint routes not re-planned", "why", why, "err", err)
		}
	}
	if d, ok := m.env.DNS.(dnsReasserter); ok && m.net.dns != nil {
		if err := d.Reassert(); err != nil {
			m.env.Log.Warn("system DNS not re-asserted", "why", why, "err", err)
		}
	}
}

// Settings returns the current settings.
func (m *Manager) Settings() settings.Settings {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settings
}

// SetSettings validates and stores new settings and applies them. Invalid
// settings leave the old ones in place.
func (m *Manager) SetSettings(s settings.Settings) (settings.Settings, error) {
	s.Version = settings.Version
	if err := s.Validate(); err != nil {
		return settings.Settings{}, err
	}
	s = s.Normalized()
	if err := m.ensureSplit(s.Split); err != nil {
		// Refused, not stored: the setting would do nothing here.
		return settings.Settings{}, err
	}
	m.ctl.Lock()
	defer m.ctl.Unlock()
	m.mu.Lock()
	if err := settings.Save(m.env.StateDir, s); err != nil {
		m.mu.Unlock()
		return settings.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	old := m.settings
	m.settings = s
	m.env.Log.Info("settings changed", "kill_switch", s.KillSwitch, "allow_lan", s.AllowLAN, "ipv6", s.IPv6, "dns", s.DNS.Mode, "split", s.Split.Mode, "split_programs", len(s.Split.Programs))
	m.watchSplit(s.Split)
	reshape := old.IPv6 != s.IPv6 || !sameDNS(old.DNS, s.DNS) || old.Split.Mode != s.Split.Mode || old.Split.TunnelDNS != s.Split.TunnelDNS
	m.applyNetLocked()
	m.publishLocked()
	m.mu.Unlock()
	if reshape {
		// IPv6 and DNS shape the tunnel itself; apply them by reconnecting.
		if err := m.reconnectCtl("IPv6, DNS or split tunnel settings changed"); err != nil {
			return s, err
		}
	}
	return s, nil
}

func sameDNS(a, b settings.DNS) bool {
	return a.Mode == b.Mode && slices.Equal(a.Custom, b.Custom) && slices.Equal(a.Handshake, b.Handshake)
}

// endpointsOf lists the peers' (already resolved) endpoints, in order.
func endpointsOf(peers []tunnel.Peer) []netip.AddrPort {
	var out []netip.AddrPort
	for _, p := range peers {
		if p.Endpoint.IsValid() {
			out = append(out, p.Endpoint)
		}
	}
	return out
}
