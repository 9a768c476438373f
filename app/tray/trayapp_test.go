package tray

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// recordedTray records what the tray logic shows and does.
type recordedTray struct {
	mu       sync.Mutex
	icons    []view.Icon
	tooltips []string
	menus    []view.MenuModel
	notes    []view.Note
	opened   []string
}

func (r *recordedTray) setIcon(i view.Icon) { r.mu.Lock(); r.icons = append(r.icons, i); r.mu.Unlock() }
func (r *recordedTray) setTooltip(s string) {
	r.mu.Lock()
	r.tooltips = append(r.tooltips, s)
	r.mu.Unlock()
}
func (r *recordedTray) setMenu(m view.MenuModel) {
	r.mu.Lock()
	r.menus = append(r.menus, m)
	r.mu.Unlock()
}

// menu is the menu shown last and how many were shown.
func (r *recordedTray) menu() (view.MenuModel, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.menus) == 0 {
		return view.MenuModel{}, 0
	}
	return r.menus[len(r.menus)-1], len(r.menus)
}

func (r *recordedTray) notesSent() []view.Note {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.notes)
}

func newTestTray(t *testing.T, st ipc.Status, s settings.Settings) (*trayApp, *recordedTray, *fakeservice.Service) {
	t.Helper()
	fake := fakeservice.Start(t, st, s, fakeservice.Profiles())
	r := &recordedTray{}
	tr := newTrayApp(ipc.NewClient(fake.Socket), "linux", r)
	tr.notify = func(n view.Note) { r.mu.Lock(); r.notes = append(r.notes, n); r.mu.Unlock() }
	tr.open = func(tab string) { r.mu.Lock(); r.opened = append(r.opened, tab); r.mu.Unlock() }
	tr.quit = func() {}
	return tr, r, fake
}

// waitFor polls cond for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The tray shows a new menu, icon and tooltip only when the state changes:
// byte counters and handshake ages pushed every second touch nothing.
func TestTrayMenuFollowsState(t *testing.T) {
	tr, r, _ := newTestTray(t, fakeservice.Connected(), settings.Default())
	tr.apply(fakeservice.Connected(), fakeservice.T0)
	waitFor(t, "the profiles", func() bool { m, _ := r.menu(); return len(m.Profiles) == 2 })
	m, n := r.menu()
	want := []string{"Connected · work", "IPv4 10.64.0.2/32", "IPv6 fd64::2/128"}
	if !slices.Equal(m.Status, want) || m.ActionLabel != "Disconnect" || !m.Profiles[1].Current || m.Profiles[0].Current {
		t.Errorf("menu %+v", m)
	}
	for i := range 60 {
		st := fakeservice.Connected()
		st.RxBytes += uint64(i) * 1000
		tr.apply(st, fakeservice.T0.Add(time.Duration(i)*time.Second))
	}
	if _, n2 := r.menu(); n2 != n || len(r.icons) != 1 || len(r.tooltips) != n {
		t.Errorf("a minute of pushes rebuilt the menu %d times, set the icon %d times", n2-n, len(r.icons)-1)
	}
	tr.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0.Add(time.Minute))
	m, _ = r.menu()
	if m.Status[0] != "Disconnected" || m.ActionLabel != "Connect" || r.icons[len(r.icons)-1] != view.IconDisconnected ||
		r.tooltips[len(r.tooltips)-1] != "Palisade: Disconnected" {
		t.Errorf("disconnected: menu %+v, icons %v, tooltips %q", m, r.icons, r.tooltips)
	}
}

// The menu entries do what they say: the action and a profile go to the
// service, Settings and Open Palisade open the window on their tab.
func TestTrayMenuEntries(t *testing.T) {
	idle := ipc.Status{State: ipc.Disconnected, CanControl: true}
	tr, r, fake := newTestTray(t, idle, settings.Default())
	tr.apply(idle, fakeservice.T0)
	waitFor(t, "the profiles", func() bool { m, _ := r.menu(); return len(m.Profiles) == 2 })
	m, _ := r.menu()
	es := menuEntries(m)
	var labels []string
	for _, e := range es {
		if !e.separator {
			labels = append(labels, e.label)
		}
	}
	if want := []string{"Disconnected", "Connect", "Profiles", "Settings…", "Open Palisade", "Quit"}; !slices.Equal(labels, want) {
		t.Fatalf("entries %q, want %q", labels, want)
	}
	find := func(label string) menuEntry {
		for _, e := range es {
			if e.label == label {
				return e
			}
		}
		t.Fatalf("no entry %q", label)
		return menuEntry{}
	}
	prof := find("Profiles")
	if len(prof.children) != 2 || prof.children[0].label != "home" || !prof.children[1].checked {
		t.Fatalf("profiles submenu %+v", prof.children)
	}
	prof.children[0].do(tr)
	waitFor(t, "the connect", func() bool { return fake.Connected() == "home" })
	find("Settings…").do(tr)
	find("Open Palisade").do(tr)
	if !slices.Equal(r.opened, []string{"Settings", "Status"}) {
		t.Errorf("opened %q", r.opened)
	}
}

// State changes are notified, unless the settings say not to; a refused
// action is told in a notification.
func TestTrayNotifies(t *testing.T) {
	idle := ipc.Status{State: ipc.Disconnected, CanControl: true}
	tr, r, fake := newTestTray(t, idle, settings.Default())
	tr.apply(idle, fakeservice.T0)
	tr.apply(fakeservice.Connected(), fakeservice.T0.Add(time.Second))
	waitFor(t, "the notification", func() bool { return len(r.notesSent()) == 1 })
	if n := r.notesSent()[0]; n.Title != "Connected to work" || !strings.Contains(n.Body, "IPv6 fd64::2/128") {
		t.Errorf("note %+v", n)
	}

	s := settings.Default()
	s.Notifications = false
	if _, err := tr.client.SetSettings(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	tr.apply(idle, fakeservice.T0.Add(2*time.Second))
	time.Sleep(300 * time.Millisecond) // a note would be on its way
	if len(r.notesSent()) != 1 {
		t.Errorf("notified with notifications off: %+v", r.notesSent())
	}

	fake.Refuse("POST", ipc.PathConnect, 403, "permission denied")
	tr.act(view.ActionConnect, "")
	waitFor(t, "the refusal", func() bool { return len(r.notesSent()) == 2 })
	if n := r.notesSent()[1]; !strings.Contains(n.Body, "palisade group") {
		t.Errorf("refusal note %+v", n)
	}
}

// The tray follows the service going away and coming back.
func TestTrayServiceGoneAndBack(t *testing.T) {
	tr, r, fake := newTestTray(t, fakeservice.Connected(), settings.Default())
	tr.start(t.Context())
	waitFor(t, "connected", func() bool { m, _ := r.menu(); return len(m.Status) > 0 && m.Status[0] == "Connected · work" })
	fake.Stop()
	waitFor(t, "service down", func() bool { m, _ := r.menu(); return m.Status[0] == "Service not running" })
	r.mu.Lock()
	icon := r.icons[len(r.icons)-1]
	r.mu.Unlock()
	if m, _ := r.menu(); icon != view.IconError || len(m.Profiles) != 0 || m.ActionEnabled {
		t.Errorf("down: icon %v, menu %+v", icon, m)
	}
	fake.Restart(t)
	waitFor(t, "back", func() bool { m, _ := r.menu(); return m.Status[0] == "Connected · work" && len(m.Profiles) == 2 })
}

func TestTrayIconData(t *testing.T) {
	png := trayPNGs[view.IconConnected]
	if got, err := trayIconData("linux", png); err != nil || &got[0] != &png[0] {
		t.Errorf("linux: not the PNG itself (%v)", err)
	}
	got, err := trayIconData("windows", png)
	// An .ico starts with reserved 0, type 1 (icon), and one image.
	if err != nil || len(got) < 22 || got[0] != 0 || got[1] != 0 || got[2] != 1 || got[4] != 1 {
		t.Errorf("windows: % x… (%v)", got[:min(len(got), 8)], err)
	}
	if _, err := trayIconData("windows", []byte("not a png")); err == nil {
		t.Error("a broken icon converted without error")
	}
}

func TestTrayTitle(t *testing.T) {
	if trayTitle("linux") != "Palisade" || trayTitle("darwin") != "" {
		t.Errorf("titles: linux %q, darwin %q", trayTitle("linux"), trayTitle("darwin"))
	}
}
