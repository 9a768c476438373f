package platform

import (
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// fakeMac stands in for route(8), ifconfig and scutil and the routing table.
type fakeMac struct {
	t       *testing.T
	journal RouteJournal
	table   []Route
	// exists lists destinations whose next add fails with "File exists".
	exists map[string]bool
	// installed is what the fake kernel holds, by destination.
	installed map[string]bool
	cmds      []string
}

func (f *fakeMac) run(stdin, name string, args ...string) (string, error) {
	line := strings.TrimSpace(name + " " + strings.Join(args, " "))
	f.cmds = append(f.cmds, line)
	if name != "route" {
		return "", nil
	}
	verb, dst := args[2], args[4]
	switch verb {
	case "add":
		// Routes via the tunnel vanish with it; the fake kernel does not
		// keep them.
		if strings.Contains(line, "-interface utun4") {
			return "", nil
		}
		// Crash safety: a route that outlives the tunnel is on disk first.
		{
			jrs, _ := f.journal.Load()
			if !slices.ContainsFunc(jrs, func(j JournaledRoute) bool { return j.Dst.String() == dst }) {
				f.t.Errorf("%q run before %s was journaled", line, dst)
			}
		}
		if f.exists[dst] || f.installed[dst] {
			delete(f.exists, dst)
			return "route: writing to routing socket: File exists", errors.New("exit status 1")
		}
		f.installed[dst] = true
	case "delete":
		if !f.installed[dst] {
			return "route: writing to routing socket: not in table", errors.New("exit status 1")
		}
		delete(f.installed, dst)
	}
	return "", nil
}

func (f *fakeMac) router() *macRouter {
	return &macRouter{log: slog.New(slog.NewTextHandler(io.Discard, nil)), journal: f.journal, run: f.run,
		routes: func() ([]Route, error) { return f.table, nil }}
}

func (f *fakeMac) ran(sub string) bool {
	return slices.ContainsFunc(f.cmds, func(c string) bool { return strings.Contains(c, sub) })
}

func newFakeMac(t *testing.T) *fakeMac {
	return &fakeMac{t: t, journal: NewRouteJournal(t.TempDir()), exists: map[string]bool{}, installed: map[string]bool{},
		table: []Route{
			{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "en0", Gateway: netip.MustParseAddr("192.168.1.1")},
			{Dst: netip.MustParsePrefix("::/0"), Interface: "en0", Gateway: netip.MustParseAddr("fe80::1%en0")},
		}}
}

var macTunnel = TunnelConfig{
	Interface: "utun4", MTU: 1420, HostIPv6: true,
	Addresses:  pfx("10.64.1.2/32", "fd00:64::2/128"),
	AllowedIPs: pfx("0.0.0.0/0", "::/0"),
	Endpoints:  []netip.AddrPort{netip.MustParseAddrPort("198.51.100.7:51820"), netip.MustParseAddrPort("[2001:db8::7]:51820")},
}

func TestMacRouterUpJournalsAndSurvivesCrash(t *testing.T) {
	f := newFakeMac(t)
	// A leftover host route from a crashed run: "File exists" must not
	// fail the connect.
	f.installed["198.51.100.7/32"] = true
	if err := f.router().Up(macTunnel); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ifconfig utun4 inet 10.64.1.2/32 10.64.1.2 alias",
		"route -q -n add -inet 0.0.0.0/1 -interface utun4",
		"route -q -n add -inet6 8000::/1 -interface utun4",
		"route -q -n delete -inet 198.51.100.7/32",
		"route -q -n add -inet 198.51.100.7/32 -gateway 192.168.1.1",
		"route -q -n add -inet6 2001:db8::7/128 -gateway fe80::1%en0",
		"/usr/sbin/scutil",
	} {
		if !f.ran(want) {
			t.Errorf("Up did not run %q; ran:\n%s", want, strings.Join(f.cmds, "\n"))
		}
	}
	// The service crashes here. The next start's router finds both host
	// routes in the journal and removes them.
	f.cmds = nil
	if err := f.router().Down(); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{"198.51.100.7/32", "2001:db8::7/128"} {
		if f.installed[dst] {
			t.Errorf("%s left after Down", dst)
		}
	}
	if jrs, _ := f.journal.Load(); len(jrs) != 0 {
		t.Errorf("journal after Down: %v", jrs)
	}
	// A second Down (routes already gone) is no error.
	if err := f.router().Down(); err != nil {
		t.Errorf("Down with nothing left: %v", err)
	}
}

func TestMacRouterReplan(t *testing.T) {
	f := newFakeMac(t)
	r := f.router()
	if err := r.Up(macTunnel); err != nil {
		t.Fatal(err)
	}
	f.cmds = nil
	if err := r.Replan(macTunnel.Endpoints); err != nil || len(f.cmds) != 0 {
		t.Fatalf("re-plan without a change ran %v (%v)", f.cmds, err)
	}
	// Wi-Fi → Ethernet: new IPv4 gateway, and no IPv6 default any more.
	f.table = []Route{{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "en7", Gateway: netip.MustParseAddr("10.1.1.1")}}
	if err := r.Replan(macTunnel.Endpoints); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"route -q -n add -inet 198.51.100.7/32 -gateway 10.1.1.1",
		"route -q -n add -inet6 2001:db8::7/128 ::1 -blackhole",
	} {
		if !f.ran(want) {
			t.Errorf("re-plan did not run %q; ran:\n%s", want, strings.Join(f.cmds, "\n"))
		}
	}
	// The endpoint changed (re-resolved): the old host route goes.
	f.cmds = nil
	if err := r.Replan(macTunnel.Endpoints[:1]); err != nil {
		t.Fatal(err)
	}
	if !f.ran("route -q -n delete -inet6 2001:db8::7/128") || f.installed["2001:db8::7/128"] {
		t.Errorf("dropped endpoint's route kept; ran %v", f.cmds)
	}
	if err := r.Down(); err != nil {
		t.Fatal(err)
	}
	if len(f.installed) != 0 {
		t.Errorf("routes left after Down: %v", f.installed)
	}
}

func TestMacRouterSplitTunnelPublishesNoService(t *testing.T) {
	f := newFakeMac(t)
	cfg := macTunnel
	cfg.AllowedIPs = pfx("10.0.0.0/8")
	if err := f.router().Up(cfg); err != nil {
		t.Fatal(err)
	}
	if f.ran("/usr/sbin/scutil") {
		t.Error("a split tunnel was published as the primary network service")
	}
	if !f.ran("route -q -n add -inet 10.0.0.0/8 -interface utun4") || !f.ran("-gateway 192.168.1.1") {
		t.Errorf("split tunnel routes: %v", f.cmds)
	}
}
