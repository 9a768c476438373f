package service

import (
	"errors"
	"fmt"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
)

// Import parses and stores a profile from its text, replacing one of the
// same name. The text comes from the client, which read the file as the
// user; the service opens no user paths.
func (m *Manager) Import(name, text string) (ipc.ImportResponse, error) {
	if err := profile.ValidName(name); err != nil {
		return ipc.ImportResponse{}, err
	}
	p, err := profile.Parse(text)
	if err != nil {
		return ipc.ImportResponse{}, err
	}
	if len(p.Interface.Addresses) == 0 {
		return ipc.ImportResponse{}, errors.New("the profile has no Address: the tunnel would have no IP to send from")
	}
	if err := m.profiles.Save(name, p); err != nil {
		return ipc.ImportResponse{}, fmt.Errorf("store profile: %w", err)
	}
	m.env.Log.Info("profile imported", "name", name, "peers", len(p.Peers), "scripts", p.HasScripts())
	return ipc.ImportResponse{Profile: m.info(name, p), Warnings: p.Warnings()}, nil
}

// ErrProfileExists refuses an import under a name already taken: the stored
// profile may be another server or account, so it is replaced only when the
// user asks for it.
var ErrProfileExists = profile.ErrExists

// ImportNew is Import for a name not taken yet.
func (m *Manager) ImportNew(name, text string) (ipc.ImportResponse, error) {
	// Under ctl, two imports of one name cannot both find it free.
	m.ctl.Lock()
	defer m.ctl.Unlock()
	exists, err := m.profiles.Exists(name)
	if err != nil {
		return ipc.ImportResponse{}, err
	}
	if exists {
		return ipc.ImportResponse{}, fmt.Errorf("profile %q %w", name, ErrProfileExists)
	}
	return m.Import(name, text)
}

// Profiles lists the stored profiles without their secrets.
func (m *Manager) Profiles() ([]ipc.ProfileInfo, error) {
	names, err := m.profiles.List()
	if err != nil {
		return nil, err
	}
	out := make([]ipc.ProfileInfo, 0, len(names))
	for _, n := range names {
		p, err := m.profiles.Load(n)
		if err != nil {
			m.env.Log.Warn("stored profile unreadable", "name", n, "err", err)
			out = append(out, ipc.ProfileInfo{Name: n})
			continue
		}
		out = append(out, m.info(n, p))
	}
	return out, nil
}

func (m *Manager) info(name string, p *profile.Profile) ipc.ProfileInfo {
	m.mu.Lock()
	last := m.lastUse
	m.mu.Unlock()
	info := ipc.ProfileInfo{
		Name:      name,
		Addresses: stringsOf(p.Interface.Addresses),
		DNS:       stringsOf(p.Interface.DNS),
		PublicKey: p.Interface.PrivateKey.Public().String(),
		Peers:     len(p.Peers),
		LastUsed:  name == last,
		Routing:   p.Scope().String(),
	}
	for _, peer := range p.Peers {
		if peer.Endpoint != nil {
			info.Endpoints = append(info.Endpoints, peer.Endpoint.String())
		}
	}
	return info
}

// ErrProfileInUse is returned for a change to the profile of the current
// connection.
var ErrProfileInUse = errors.New("profile is in use: disconnect first")

// notInUseCtl refuses a change to the current session's profile; the
// caller holds ctl, so no connect can pick the profile up meanwhile.
func (m *Manager) notInUseCtl(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil && m.cur.name == name {
		return fmt.Errorf("%q: %w", name, ErrProfileInUse)
	}
	return nil
}

// RemoveProfile deletes a stored profile; the connected one cannot be.
func (m *Manager) RemoveProfile(name string) error {
	// Under ctl, no connect can pick the profile up between check and removal.
	m.ctl.Lock()
	defer m.ctl.Unlock()
	if err := m.notInUseCtl(name); err != nil {
		return err
	}
	if err := m.profiles.Remove(name); err != nil {
		return err
	}
	m.env.Log.Info("profile removed", "name", name)
	m.forgetLocked(name)
	return nil
}

// forgetLocked drops a removed profile's name from the status (a
// disconnected status keeps naming the last profile, which 'palisade status'
// and the window show) and as the last used one (the default of a plain
// connect and the reconnect at start), so neither names a profile that is
// gone. The caller holds ctl, so no session is starting.
func (m *Manager) forgetLocked(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastUse == name {
		m.lastUse, m.removedLast = "", name
		m.saveJournalLocked(m.cur != nil)
	}
	if m.status.Profile == name {
		m.status.Profile = ""
		m.publishLocked()
	}
}

// RenameProfile moves a stored profile to a free name. The "last used"
// record and the status follow it, so a plain connect and the window keep
// naming it. The connected profile cannot be renamed: its session, its
// reconnects and the status name it.
func (m *Manager) RenameProfile(from, to string) error {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	if err := m.notInUseCtl(from); err != nil {
		return err
	}
	if err := m.profiles.Rename(from, to); err != nil {
		return err
	}
	m.env.Log.Info("profile renamed", "from", from, "to", to)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastUse == from {
		m.lastUse = to
		m.saveJournalLocked(m.cur != nil)
	}
	if m.status.Profile == from {
		m.status.Profile = to
		m.publishLocked()
	}
	return nil
}

// Export returns a profile's full text, private key included.
func (m *Manager) Export(name string) (ipc.ExportResponse, error) {
	p, err := m.profiles.Load(name)
	if err != nil {
		return ipc.ExportResponse{}, err
	}
	return ipc.ExportResponse{Name: name, Text: p.Marshal()}, nil
}
