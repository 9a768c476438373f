package selfcheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
)

var (
	lo4    = netip.MustParseAddr("127.80.73.65")
	lo6    = netip.MustParseAddr("fe80::80:73:65").WithZone("lo")
	gw4    = netip.MustParseAddr("192.168.1.1")
	own4   = netip.MustParseAddr("192.168.1.20")
	ep     = netip.MustParseAddr("198.51.100.2")
	exit4  = netip.MustParseAddr("198.51.100.2")
	tunHop = Hop{Interface: "palisade0"}
	ethHop = Hop{Interface: "eth0", Gateway: gw4}
)

// connected is a dual-stack full tunnel with the kill switch engaged and
// the outside test on; green is its all-well facts.
func connected() (Expect, Facts) {
	e := Expect{Tunnel: "palisade0", Full4: true, Full6: true, HostIPv6: true, DNS: true,
		Resolvers: []netip.Addr{lo4, lo6}, DNSManager: "file", Firewall: true, Engaged: true, Outside: true, URL: "https://ip.example/"}
	f := Facts{
		Route4: tunHop, Route6: tunHop,
		Endpoints: map[netip.Addr]Hop{ep: ethHop},
		Firewall:  Installed{Present: true, Rules: 40, Want: 40, Current: true, Rejected: 3},
		SystemDNS: []netip.Addr{lo4, lo6.WithZone("")},
		Answers:   []Answer{{Server: lo4}, {Server: lo6}},
		Outside4:  Seen{Addr: exit4}, Outside6: Seen{Addr: netip.MustParseAddr("2001:db8:100::2")},
		OwnAddrs: []netip.Addr{own4},
	}
	return e, f
}

func byID(items []ipc.CheckItem) map[string]ipc.CheckItem {
	m := map[string]ipc.CheckItem{}
	for _, it := range items {
		m[it.ID] = it
	}
	return m
}

func TestEvaluateGreen(t *testing.T) {
	e, f := connected()
	items := Evaluate(e, f)
	if len(items) != 7 {
		t.Fatalf("%d items, want 7", len(items))
	}
	for _, it := range items {
		if it.Status != ipc.CheckOK || it.Detail == "" || it.Title == "" {
			t.Errorf("%+v, want ok with a title and a sentence", it)
		}
	}
}

// Each fault turns exactly its own item to the wanted verdict, and the
// sentence names the cause.
func TestEvaluateFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Expect, *Facts)
		id     string
		want   ipc.CheckStatus
		says   string
	}{
		{"v4 leak", func(e *Expect, f *Facts) { f.Route4 = ethHop }, ipc.CheckRoute4, ipc.CheckFail, "eth0 via 192.168.1.1"},
		{"v6 leak", func(e *Expect, f *Facts) { f.Route6 = ethHop }, ipc.CheckRoute6, ipc.CheckFail, "a leak"},
		{"v4 unreachable", func(e *Expect, f *Facts) { f.Route4 = Hop{Reject: true} }, ipc.CheckRoute4, ipc.CheckFail, "no way out"},
		{"route unreadable", func(e *Expect, f *Facts) { f.Route6 = Hop{Err: errors.New("boom")} }, ipc.CheckRoute6, ipc.CheckFail, "boom"},
		{"block6 leak", func(e *Expect, f *Facts) {
			e.Full6, e.Block6 = false, true
			f.Route6 = ethHop
			f.Outside6 = Seen{Err: errors.New("refused")}
		}, ipc.CheckRoute6, ipc.CheckFail, "should be blocked"},
		{"block4 leak", func(e *Expect, f *Facts) {
			e.Full4, e.Block4 = false, true
			f.Route4 = ethHop
			f.Outside4 = Seen{Err: errors.New("refused")}
		}, ipc.CheckRoute4, ipc.CheckFail, "tunnel carries no IPv4"},
		{"endpoint loop", func(e *Expect, f *Facts) { f.Endpoints[ep] = tunHop }, ipc.CheckEndpoint, ipc.CheckFail, "routing loop"},
		{"endpoint blackhole", func(e *Expect, f *Facts) { f.Endpoints[ep] = Hop{Reject: true} }, ipc.CheckEndpoint, ipc.CheckFail, "unreachable"},
		{"table missing", func(e *Expect, f *Facts) { f.Firewall = Installed{} }, ipc.CheckFirewall, ipc.CheckFail, "missing"},
		{"rule gone", func(e *Expect, f *Facts) { f.Firewall.Rules = 39 }, ipc.CheckFirewall, ipc.CheckFail, "39 rules where the service installed 40"},
		{"foreign rule", func(e *Expect, f *Facts) { f.Firewall.Unmetered = 1 }, ipc.CheckFirewall, ipc.CheckFail, "without counters"},
		{"rule changed in place", func(e *Expect, f *Facts) { f.Firewall.Changed = true }, ipc.CheckFirewall, ipc.CheckFail, "differ from"},
		{"policy stale", func(e *Expect, f *Facts) { f.Firewall.Current = false }, ipc.CheckFirewall, ipc.CheckFail, "not the ones"},
		{"leftover table", func(e *Expect, f *Facts) { e.Firewall = false }, ipc.CheckFirewall, ipc.CheckWarn, "none are needed"},
		{"dns elsewhere", func(e *Expect, f *Facts) { f.SystemDNS = []netip.Addr{gw4} }, ipc.CheckDNS, ipc.CheckFail, "points at 192.168.1.1"},
		{"dns also elsewhere", func(e *Expect, f *Facts) { f.SystemDNS = append(f.SystemDNS, gw4) }, ipc.CheckDNS, ipc.CheckFail, "also lists 192.168.1.1"},
		{"resolver silent", func(e *Expect, f *Facts) { f.Answers[1].Err = errors.New("i/o timeout") }, ipc.CheckDNS, ipc.CheckFail, "does not answer"},
		{"upstream silent", func(e *Expect, f *Facts) { f.Answers[0].ServFail = true }, ipc.CheckDNS, ipc.CheckWarn, "SERVFAIL"},
		{"dns unreadable", func(e *Expect, f *Facts) { f.SystemDNSErr = errors.New("EACCES") }, ipc.CheckDNS, ipc.CheckFail, "EACCES"},
		{"outside sees us", func(e *Expect, f *Facts) { f.Outside4 = Seen{Addr: own4} }, ipc.CheckOutside4, ipc.CheckFail, "own address 192.168.1.20"},
		{"outside down", func(e *Expect, f *Facts) { f.Outside6 = Seen{Err: errors.New("timeout")} }, ipc.CheckOutside6, ipc.CheckWarn, "could not be asked"},
		{"outside off", func(e *Expect, f *Facts) { e.Outside = false }, ipc.CheckOutside4, ipc.CheckSkip, "Off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, f := connected()
			tc.change(&e, &f)
			for id, it := range byID(Evaluate(e, f)) {
				switch {
				case id == tc.id && (it.Status != tc.want || !strings.Contains(it.Detail, tc.says)):
					t.Errorf("%s: %s %q, want %s saying %q", id, it.Status, it.Detail, tc.want, tc.says)
				case id != tc.id && it.Status != ipc.CheckOK && !(tc.name == "outside off" && id == ipc.CheckOutside6):
					t.Errorf("%s turned %s too: %s", id, it.Status, it.Detail)
				}
			}
		})
	}
}

// Without a tunnel only the firewall is checked; a v4-only tunnel on a
// host with IPv6 off, or a split tunnel, is green with its own words.
func TestEvaluateStates(t *testing.T) {
	items := byID(Evaluate(Expect{Firewall: true, Engaged: true}, Facts{Route4: ethHop, Route6: ethHop, Firewall: Installed{Present: true, Rules: 5, Want: 5, Current: true}}))
	for id, it := range items {
		if want := ipc.CheckSkip; id == ipc.CheckFirewall {
			if it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "kill switch") {
				t.Errorf("disconnected, engaged: firewall %+v", it)
			}
		} else if it.Status != want {
			t.Errorf("disconnected: %s is %s, want skip", id, it.Status)
		}
	}
	e, f := connected()
	e.Full6, e.HostIPv6 = false, false
	f.Route6 = Hop{Reject: true}
	if it := byID(Evaluate(e, f))[ipc.CheckRoute6]; it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "IPv6 turned off") {
		t.Errorf("host without IPv6: %+v", it)
	}
	e, f = connected()
	e.Full4, e.Full6 = false, false
	f.Route4, f.Route6 = ethHop, Hop{Reject: true}
	got := byID(Evaluate(e, f))
	if it := got[ipc.CheckRoute4]; it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "split-tunnel") {
		t.Errorf("split tunnel, v4 outside: %+v", it)
	}
	if it := got[ipc.CheckRoute6]; it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "no route") {
		t.Errorf("split tunnel, no v6 route: %+v", it)
	}
	e, f = connected()
	e.Full4, e.Block4 = false, true
	f.Route4, f.Outside4 = Hop{Reject: true}, Seen{Err: errors.New("network is unreachable")}
	if it := byID(Evaluate(e, f))[ipc.CheckRoute4]; it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "IPv4 is blocked") {
		t.Errorf("IPv6-only tunnel, IPv4 blocked: %+v", it)
	}
	e, f = connected()
	f.SystemDNS, f.ViaResolved = []netip.Addr{lo4}, true
	if it := byID(Evaluate(e, f))[ipc.CheckDNS]; it.Status != ipc.CheckOK || !strings.Contains(it.Detail, "systemd-resolved") {
		t.Errorf("via resolved: %+v", it)
	}
	f.SystemDNS = []netip.Addr{lo4, gw4}
	if it := byID(Evaluate(e, f))[ipc.CheckDNS]; it.Status != ipc.CheckFail || !strings.Contains(it.Detail, "also lists 192.168.1.1") {
		t.Errorf("via resolved with a foreign server on the link: %+v", it)
	}
}

func TestWorst(t *testing.T) {
	r := ipc.CheckReport{Items: []ipc.CheckItem{{Status: ipc.CheckSkip}}}
	if r.Worst() != ipc.CheckSkip {
		t.Errorf("skip only: %s", r.Worst())
	}
	for _, s := range []ipc.CheckStatus{ipc.CheckOK, ipc.CheckWarn, ipc.CheckTimeout, ipc.CheckFail} {
		r.Items = append(r.Items, ipc.CheckItem{Status: s})
		if r.Worst() != s {
			t.Errorf("worst of %v: %s, want %s", r.Items, r.Worst(), s)
		}
	}
}

// A probe that did not answer within its bound leaves its item timed out
// (not verified), never ok; any other read error stays a failure (a
// warning for the outside view). Only the item the probe decides changes.
func TestEvaluateTimedOut(t *testing.T) {
	hung := &TimeoutError{What: "the probe", After: 5 * time.Second}
	broken := errors.New("netlink: no such device")
	for _, tc := range []struct {
		id    string
		set   func(*Facts, error)
		other ipc.CheckStatus // the verdict for a plain error
	}{
		{ipc.CheckRoute4, func(f *Facts, err error) { f.Route4 = Hop{Err: err} }, ipc.CheckFail},
		{ipc.CheckRoute6, func(f *Facts, err error) { f.Route6 = Hop{Err: err} }, ipc.CheckFail},
		{ipc.CheckEndpoint, func(f *Facts, err error) { f.Endpoints[ep] = Hop{Err: err} }, ipc.CheckFail},
		{ipc.CheckFirewall, func(f *Facts, err error) { f.Firewall.Err = err }, ipc.CheckFail},
		{ipc.CheckDNS, func(f *Facts, err error) { f.SystemDNS, f.SystemDNSErr = nil, err }, ipc.CheckFail},
		{ipc.CheckDNS, func(f *Facts, err error) { f.Answers[1].Err = err }, ipc.CheckFail},
		{ipc.CheckOutside6, func(f *Facts, err error) { f.Outside6 = Seen{Err: err} }, ipc.CheckWarn},
	} {
		for _, c := range []struct {
			err  error
			want ipc.CheckStatus
		}{{fmt.Errorf("wrapped: %w", hung), ipc.CheckTimeout}, {broken, tc.other}} {
			e, f := connected()
			tc.set(&f, c.err)
			for _, it := range Evaluate(e, f) {
				want := ipc.CheckOK
				if it.ID == tc.id {
					want = c.want
				}
				if it.Status != want {
					t.Errorf("%s error %q: %s is %s (%s), want %s", tc.id, c.err, it.ID, it.Status, it.Detail, want)
				}
				if it.ID == tc.id && !strings.Contains(it.Detail, c.err.Error()) {
					t.Errorf("%s: detail %q does not say %q", tc.id, it.Detail, c.err)
				}
			}
		}
	}
}
