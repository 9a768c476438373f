package view

import (
	"slices"
	"strings"

	"github.com/palisadevpn/palisade/service/ipc"
)

// MenuModel is the tray menu as data. The tray is rebuilt only when this
// changes, so byte counters and handshake ages never make it flicker.
type MenuModel struct {
	// Status lines are shown disabled at the top.
	Status        []string
	ActionLabel   string
	Action        Action
	ActionEnabled bool
	Profiles      []MenuProfile
	// ProfilesEnabled tells whether choosing a profile is allowed.
	ProfilesEnabled bool
	// WayOut, when set, is the explanation the "How to get back online"
	// entry shows: the service is down and its block kept.
	WayOut string
}

// MenuProfile is one entry of the Profiles submenu.
type MenuProfile struct {
	Name    string
	Current bool
}

// NewMenuModel builds the tray menu from the view and the stored profiles.
func NewMenuModel(v View, profiles []ipc.ProfileInfo) MenuModel {
	m := MenuModel{
		Status:          []string{v.State},
		ActionLabel:     v.ActionLabel,
		Action:          v.Action,
		ActionEnabled:   v.ActionEnable,
		ProfilesEnabled: v.CanControl(),
	}
	if !v.ServiceUp {
		m.Status = append(m.Status, v.Problem.Summary)
		m.WayOut = v.WayOut
		return m
	}
	if v.Profile != None {
		m.Status[0] += " · " + v.Profile
	}
	if v.IPv4 != None {
		m.Status = append(m.Status, "IPv4 "+v.IPv4)
	}
	if v.IPv6 != None {
		m.Status = append(m.Status, "IPv6 "+v.IPv6)
	}
	current := v.Profile
	if current == None {
		current = ""
		for _, p := range profiles {
			if p.LastUsed {
				current = p.Name
			}
		}
	}
	for _, p := range profiles {
		m.Profiles = append(m.Profiles, MenuProfile{Name: p.Name, Current: p.Name == current})
	}
	return m
}

// Equal reports whether two menus would look and act the same.
func (m MenuModel) Equal(o MenuModel) bool {
	return slices.Equal(m.Status, o.Status) && slices.Equal(m.Profiles, o.Profiles) &&
		m.ActionLabel == o.ActionLabel && m.Action == o.Action &&
		m.ActionEnabled == o.ActionEnabled && m.ProfilesEnabled == o.ProfilesEnabled && m.WayOut == o.WayOut
}

// Tooltip is the tray icon's tooltip for the menu: its first line, after
// the app's name unless the line names it.
func (m MenuModel) Tooltip() string {
	if strings.Contains(m.Status[0], "Palisade") {
		return m.Status[0]
	}
	return "Palisade: " + m.Status[0]
}
