package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
)

const goodConf = `[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = 10.64.0.2/32, fd64::2/128
DNS = 10.64.0.1, fd64::1

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = 198.51.100.2:51820
`

func names(ps []ipc.ProfileInfo) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestImportProfile(t *testing.T) {
	fake := fakeservice.Start(t, ipc.Status{}, settings.Default(), nil)
	c := ipc.NewClient(fake.Socket)
	ctx := context.Background()
	if _, err := ImportProfile(ctx, c, "office", goodConf, false); err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(goodConf, "10.64.0.2/32", "10.64.0.9/32", 1)
	if _, err := ImportProfile(ctx, c, "office", other, false); !IsNameTaken(err) {
		t.Errorf("import over a taken name: %v", err)
	}
	if exp, _ := c.Export(ctx, "office"); exp.Text != goodConf {
		t.Errorf("refused import changed the stored profile: %q", exp.Text)
	}
	if _, err := ImportProfile(ctx, c, "office", other, true); err != nil {
		t.Errorf("import with replace: %v", err)
	}
	if exp, _ := c.Export(ctx, "office"); exp.Text != other {
		t.Errorf("replace left %q", exp.Text)
	}
	if got := names(fake.Profiles()); !slices.Equal(got, []string{"office"}) {
		t.Errorf("profiles = %q", got)
	}
	broken := strings.Replace(goodConf, "Address = 10.64.0.2/32", "Address = 10.64.0.300/32", 1)
	_, err := ImportProfile(ctx, c, "bad", broken, false)
	var pe *profile.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.HasPrefix(view.Explain(err, "linux").Text(), "Line 3:") {
		t.Errorf("broken profile error = %v", err)
	}
	if _, err := ImportProfile(ctx, c, "-x", goodConf, false); err == nil {
		t.Error("invalid profile name accepted")
	}
}

func TestImportShowsLineNumber(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	h.g.profiles.importText("/home/u/bad.conf", "[Interface]\nPrivateKey = nope\n")
	h.until("import error", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Could not import") })
	if !strings.Contains(h.g.profiles.message.Text, "bad.conf: Line 2:") {
		t.Errorf("message = %q", h.g.profiles.message.Text)
	}
}

func TestRenameProfile(t *testing.T) {
	fake := fakeservice.Start(t, ipc.Status{}, settings.Default(), nil)
	c := ipc.NewClient(fake.Socket)
	ctx := context.Background()
	if _, err := c.Import(ctx, "old", goodConf); err != nil {
		t.Fatal(err)
	}
	if err := RenameProfile(ctx, c, "old", "new"); err != nil {
		t.Fatal(err)
	}
	if got := names(fake.Profiles()); !slices.Equal(got, []string{"new"}) {
		t.Errorf("after rename profiles = %q", got)
	}
	exp, err := c.Export(ctx, "new")
	if err != nil || exp.Text != goodConf {
		t.Errorf("renamed profile text = %q, %v", exp.Text, err)
	}
	if err := RenameProfile(ctx, c, "missing", "other"); err == nil {
		t.Error("renaming a missing profile succeeded")
	}
	if got := names(fake.Profiles()); !slices.Equal(got, []string{"new"}) {
		t.Errorf("failed rename changed profiles: %q", got)
	}
}

// rowsText is the text of the Profiles tab's first row.
func rowsText(p *profilesPane) string {
	if len(p.rows.Objects) == 0 {
		return ""
	}
	if l, ok := p.rows.Objects[0].(*widget.Label); ok {
		return l.Text
	}
	return "(a profile row)"
}

func TestProfilesLoadingNotEmpty(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	// The list's answer waits in h.ui: the pane has not heard from the service.
	if got := rowsText(h.g.profiles); got != "Loading profiles…" {
		t.Errorf("before the list arrived the pane shows %q", got)
	}
	h.until("profiles listed", func() bool { return h.g.listed })
	if got := names(h.g.profiles.list); !slices.Equal(got, []string{"home", "work"}) || len(h.g.profiles.rows.Objects) != 4 {
		t.Errorf("listed %q in %d rows", got, len(h.g.profiles.rows.Objects))
	}
}

func TestProfilesUnreadable(t *testing.T) {
	h := newHarness(t, ipc.Status{State: ipc.Disconnected, CanControl: true}, settings.Default())
	h.fake.Stop()
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, fakeservice.T0)
	h.until("list refused", func() bool { return h.g.profiles.failed != "" })
	if got := rowsText(h.g.profiles); !strings.HasPrefix(got, "Could not read the profiles: ") || strings.Contains(got, "No profiles") {
		t.Errorf("unreadable list shows %q", got)
	}
}

func TestRemovedProfileNotShown(t *testing.T) {
	st := ipc.Status{State: ipc.Disconnected, Profile: "work", CanControl: true}
	h := newHarness(t, st, settings.Default())
	h.g.Start(t.Context())
	h.until("last profile shown", func() bool { return h.field("Profile") == "work" && h.g.listed })
	h.g.profiles.remove("work")
	h.until("removal answered", func() bool { return strings.HasPrefix(h.g.profiles.message.Text, "Removed") })
	h.until("profile field cleared", func() bool { return h.field("Profile") == view.None })
	h.until("list reread", func() bool { return slices.Equal(names(h.g.list), []string{"home"}) })
	if got := names(h.g.profiles.list); !slices.Equal(got, []string{"home"}) {
		t.Errorf("Profiles tab lists %q", got)
	}
}
