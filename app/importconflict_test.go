package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// importTaken imports a profile called home (the fixture has one) and
// waits for the question the taken name raises.
func importTaken(t *testing.T) (*harness, string) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	h.until("profiles listed", func() bool { return h.g.listed })
	before := h.fake.Text("home")
	other := strings.Replace(goodConf, "10.64.0.2/32", "10.64.0.9/32", 1)
	h.g.profiles.importText("/home/u/Downloads/home.conf", other)
	h.until("replace question", func() bool { return h.g.profiles.conflict != nil })
	if h.g.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no dialog shown for the taken name")
	}
	if got := h.fake.Text("home"); got != before {
		t.Fatalf("the stored profile changed before the user answered: %q", got)
	}
	return h, other
}

func TestImportTakenNameReplace(t *testing.T) {
	h, other := importTaken(t)
	test.Tap(h.g.profiles.conflict.replace)
	h.until("replaced", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Replaced") })
	if got := h.fake.Text("home"); got != other {
		t.Errorf("after Replace the stored profile is %q", got)
	}
	if got := names(h.fake.Profiles()); !slices.Equal(got, []string{"home", "work"}) {
		t.Errorf("profiles after Replace: %q", got)
	}
}

func TestImportTakenNameAsNewName(t *testing.T) {
	h, other := importTaken(t)
	c := h.g.profiles.conflict
	test.Tap(c.rename)
	if c.entry == nil || c.entry.Text != "home-2" {
		t.Fatalf("new name offered: %v", c.entry)
	}
	c.newName.Submit()
	h.until("imported", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Imported home.conf as “home-2”") })
	if got := h.fake.Text("home-2"); got != other {
		t.Errorf("home-2 holds %q", got)
	}
	if got := h.fake.Text("home"); got == other {
		t.Error("importing under a new name replaced home")
	}
}

func TestImportTakenNameCancel(t *testing.T) {
	h, other := importTaken(t)
	test.Tap(h.g.profiles.conflict.cancel)
	h.until("cancelled", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Not imported") })
	h.settle()
	if got := h.fake.Text("home"); got == other {
		t.Error("Cancel replaced the stored profile")
	}
	if got := names(h.fake.Profiles()); !slices.Equal(got, []string{"home", "work"}) {
		t.Errorf("profiles after Cancel: %q", got)
	}
}

// Renaming the profile the status names keeps it named (it showed "—").
func TestRenameKeepsStatusProfile(t *testing.T) {
	st := ipc.Status{State: ipc.Disconnected, Profile: "work", CanControl: true}
	h := newHarness(t, st, settings.Default())
	h.g.Start(t.Context())
	h.until("last profile shown", func() bool { return h.field("Profile") == "work" && h.g.listed })
	h.g.profiles.rename("work", "office")
	h.until("rename answered", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Renamed") })
	h.until("profile field follows", func() bool { return h.field("Profile") == "office" })
	h.until("list reread", func() bool { return slices.Equal(names(h.g.profiles.list), []string{"home", "office"}) })
}

// A file whose name cannot be a profile name (a browser's second download)
// is not refused: the window asks for a name and offers one that can be.
func TestImportFileNameNotAName(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	h.until("profiles listed", func() bool { return h.g.listed })
	h.g.profiles.importText("/home/u/Downloads/My VPN (1).conf", goodConf)
	c := h.g.profiles.conflict
	if c == nil || c.entry == nil || c.entry.Text != "My-VPN-1" || h.g.win.Canvas().Overlays().Top() == nil {
		t.Fatalf("no name asked for, or not My-VPN-1: %+v", c)
	}
	c.newName.Submit()
	h.until("imported", func() bool {
		return strings.HasPrefix(h.g.profiles.message.Text, "Imported My VPN (1).conf as “My-VPN-1”")
	})
	if got := h.fake.Text("My-VPN-1"); got != goodConf {
		t.Errorf("My-VPN-1 holds %q", got)
	}
}

// The name forms are wide enough to read a name: Fyne sized the rename
// form to its entry's few characters (about 100 px for "office").
func TestNameFormsWide(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.win.Resize(fyne.NewSize(640, 600))
	h.g.profiles.askRename("work")
	if w := h.g.profiles.renaming.Size().Width; w < 250 {
		t.Errorf("the rename entry is %v wide", w)
	}
}

// A dropped file under a taken name asks too, and changes nothing until
// answered.
func TestDropTakenNameAsks(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	h.until("profiles listed", func() bool { return h.g.listed })
	path := filepath.Join(t.TempDir(), "home.conf")
	if err := os.WriteFile(path, []byte(goodConf), 0o600); err != nil {
		t.Fatal(err)
	}
	h.g.dropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)})
	h.until("replace question", func() bool { return h.g.profiles.conflict != nil })
	h.settle()
	if got := h.fake.Text("home"); got != "" {
		t.Errorf("the drop replaced home before the user answered: %q", got)
	}
	test.Tap(h.g.profiles.conflict.replace)
	h.until("replaced", func() bool { return h.fake.Text("home") == goodConf })
}
