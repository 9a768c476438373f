package view

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
)

func TestMenuModelFromState(t *testing.T) {
	m := NewMenuModel(NewView(fakeservice.Connected(), fakeservice.T0), fakeservice.Profiles())
	want := []string{"Connected · work", "IPv4 10.64.0.2/32", "IPv6 fd64::2/128"}
	if strings.Join(m.Status, "|") != strings.Join(want, "|") {
		t.Errorf("status = %q, want %q", m.Status, want)
	}
	if m.ActionLabel != "Disconnect" || !m.ActionEnabled || !m.ProfilesEnabled {
		t.Errorf("action %q enabled %v profiles %v", m.ActionLabel, m.ActionEnabled, m.ProfilesEnabled)
	}
	if len(m.Profiles) != 2 || m.Profiles[0].Current || !m.Profiles[1].Current {
		t.Errorf("profiles = %+v", m.Profiles)
	}

	d := NewMenuModel(NewView(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0), fakeservice.Profiles())
	if d.ActionLabel != "Connect" || len(d.Status) != 1 || !d.Profiles[1].Current {
		t.Errorf("disconnected menu = %+v", d)
	}
	down := NewMenuModel(ServiceDownView(ipc.ErrUnreachable, "linux"), nil)
	if down.ActionEnabled || down.ProfilesEnabled || len(down.Status) != 2 {
		t.Errorf("service-down menu = %+v", down)
	}
}

func TestMenuModelIgnoresCounters(t *testing.T) {
	a := fakeservice.Connected()
	b := fakeservice.Connected()
	b.RxBytes += 12345
	later := fakeservice.T0.Add(40 * time.Second)
	b.LastHandshake = &later
	if !NewMenuModel(NewView(a, fakeservice.T0), fakeservice.Profiles()).Equal(NewMenuModel(NewView(b, later), fakeservice.Profiles())) {
		t.Error("menu changes with byte counters or handshake age")
	}
	b.State = ipc.Reconnecting
	if NewMenuModel(NewView(a, fakeservice.T0), fakeservice.Profiles()).Equal(NewMenuModel(NewView(b, fakeservice.T0), fakeservice.Profiles())) {
		t.Error("menu does not change with the state")
	}
}

func TestNoteFor(t *testing.T) {
	dis := ipc.Status{State: ipc.Disconnected}
	con := fakeservice.Connected()
	errSt := ipc.Status{State: ipc.Error, LastError: "handshake timed out"}
	cases := []struct {
		prev, cur ipc.Status
		title     string
	}{
		{dis, con, "Connected to work"},
		{con, dis, "Disconnected"},
		{con, errSt, "VPN connection failed"},
		{con, con, ""},
		{ipc.Status{State: ipc.Reconnecting}, con, ""},
		{ipc.Status{State: ipc.Connecting}, dis, ""},
		{errSt, ipc.Status{State: ipc.Error, LastError: "resolve failed"}, "VPN connection failed"},
		{errSt, errSt, ""},
	}
	for _, c := range cases {
		n, ok := NoteFor(c.prev, c.cur)
		if ok != (c.title != "") || n.Title != c.title {
			t.Errorf("%s → %s: %q %v, want %q", c.prev.State, c.cur.State, n.Title, ok, c.title)
		}
	}
	n, _ := NoteFor(dis, con)
	if n.Body != "IPv4 10.64.0.2/32 · IPv6 fd64::2/128" {
		t.Errorf("body = %q", n.Body)
	}
}
