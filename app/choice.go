package app

import (
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
)

// ProfileChoice is the status tab's profile picker: the names to offer and
// the one selected.
type ProfileChoice struct {
	Names    []string
	Selected string
}

// ChooseProfile decides the picker: the profile in use while there is a
// session, else the user's last pick if it still exists, else the last
// used one, else the first.
func ChooseProfile(list []ipc.ProfileInfo, st ipc.Status, picked string) ProfileChoice {
	c := ProfileChoice{}
	last, has := "", false
	for _, p := range list {
		c.Names = append(c.Names, p.Name)
		if p.LastUsed {
			last = p.Name
		}
		has = has || p.Name == picked
	}
	switch {
	case len(c.Names) == 0:
	case st.Profile != "" && st.State != ipc.Disconnected:
		c.Selected = st.Profile
	case has:
		c.Selected = picked
	case last != "":
		c.Selected = last
	default:
		c.Selected = c.Names[0]
	}
	return c
}

// FirstRun tells whether the window should greet a new user: the service is
// up, the profile list has been read, and it is empty.
func FirstRun(v view.View, listed bool, list []ipc.ProfileInfo) bool {
	return v.ServiceUp && listed && len(list) == 0
}
