// Package service is the Palisade daemon: the tunnel state machine, the
// settings and profile stores it enforces, and the local API.
package service

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
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
}

// DefaultTiming is used in production.
var DefaultTiming = Timing{
	HandshakeTimeout: 20 * time.Second,
	StaleAfter:       180 * time.Second,
	Poll:             time.Second,
	RetryMin:         2 * time.Second,
	RetryMax:         60 * time.Second,
}

// Manager owns the tunnel and everything set up around it.
type Manager struct {
	env      Env
	profiles *profile.Store

	mu       sync.Mutex
	settings settings.Settings
	status   ipc.Status
	// armed: in auto mode, a connect succeeded and the user has not
	// disconnected since, so the kill switch stays engaged.
	armed   bool
	net     netState
	cancel  context.CancelFunc
	done    chan struct{}
	lastUse string
	subs    map[chan ipc.Status]struct{}
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
	m := &Manager{env: env, profiles: store, settings: s, subs: map[chan ipc.Status]struct{}{}}
	m.status = ipc.Status{State: ipc.Disconnected, Since: time.Now()}
	if aside != "" {
		m.status.LastError = "settings were unreadable and have been reset to defaults; the old file is kept as " + aside
	}
	j := m.loadJournal()
	m.lastUse = j.LastProfile
	m.armed = j.Armed && s.KillSwitch == settings.KillSwitchAuto
	m.recoverLeftovers()
	m.mu.Lock()
	m.net.onLink = env.OnLink()
	m.applyNetLocked()
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
// running connection is replaced.
func (m *Manager) Connect(name string) error {
	m.mu.Lock()
	if name == "" {
		name = m.lastUse
	}
	m.mu.Unlock()
	if name == "" {
		return errors.New("no profile given and none used before: import one with 'palisade profile import FILE'")
	}
	p, err := m.profiles.Load(name)
	if err != nil {
		return fmt.Errorf("profile %q: %w", name, err)
	}
	m.stopSession()
	ctx, cancel := context.WithCancel(context.Background())
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastUse = name
	m.cancel, m.done = cancel, make(chan struct{})
	m.status.Profile = name
	m.status.LastError = ""
	m.saveJournalLocked(true)
	go m.session(ctx, p, m.done)
	return nil
}

// Disconnect stops the tunnel at the user's request, which also disarms the
// auto kill switch.
func (m *Manager) Disconnect() {
	m.mu.Lock()
	if m.cancel != nil {
		m.setStateLocked(ipc.Disconnecting, "user disconnect")
	}
	m.mu.Unlock()
	m.stopSession()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.armed = false
	m.status.LastError = ""
	m.setStateLocked(ipc.Disconnected, "user disconnect")
	m.saveJournalLocked(false)
}

// stopSession cancels the running connection and waits for its teardown.
func (m *Manager) stopSession() {
	m.mu.Lock()
	cancel, done := m.cancel, m.done
	m.cancel, m.done = nil, nil
	m.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Close stops the manager at service shutdown. In auto and off modes all
// network changes are undone; with always the block stays.
func (m *Manager) Close() {
	m.stopSession()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status.State = ipc.Disconnected
	m.shutdownNetLocked()
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
	if s == ipc.Connected && m.settings.KillSwitch == settings.KillSwitchAuto && !m.armed {
		m.armed = true
		m.saveJournalLocked(true)
	}
	m.applyNetLocked()
	m.publishLocked()
}

// NetworkChanged re-renders the firewall after the host's addresses or
// routes changed, so allow-LAN follows the on-link prefixes.
func (m *Manager) NetworkChanged() {
	onLink := m.env.OnLink()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.net.onLink = onLink
	m.applyNetLocked()
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
	m.mu.Lock()
	if err := settings.Save(m.env.StateDir, s); err != nil {
		m.mu.Unlock()
		return settings.Settings{}, fmt.Errorf("save settings: %w", err)
	}
	old := m.settings
	m.settings = s
	if s.KillSwitch != settings.KillSwitchAuto {
		m.armed = false
	} else if old.KillSwitch != settings.KillSwitchAuto && m.status.State == ipc.Connected {
		m.armed = true
	}
	m.env.Log.Info("settings changed", "kill_switch", s.KillSwitch, "allow_lan", s.AllowLAN, "ipv6", s.IPv6, "dns", s.DNS.Mode)
	reconnect := m.cancel != nil && (old.IPv6 != s.IPv6 || !sameDNS(old.DNS, s.DNS))
	m.applyNetLocked()
	m.publishLocked()
	name := m.lastUse
	m.mu.Unlock()
	if reconnect {
		// IPv6 and DNS shape the tunnel itself; apply them by reconnecting.
		if err := m.Connect(name); err != nil {
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
