package e2e

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

// stressCommands are what impatient users, a tray racing the CLI and
// scripts send at once: lifecycle commands, settings that apply in place or
// reshape the tunnel, and reads.
var stressCommands = [][]string{
	{"connect", "bed"},
	{"connect", "bed"},
	{"disconnect"},
	{"set", "killswitch", "off"},
	{"set", "killswitch", "auto"},
	{"set", "killswitch", "always"},
	{"set", "allow-lan", "on"},
	{"set", "allow-lan", "off"},
	{"set", "ipv6", "off"},
	{"set", "ipv6", "on"},
	{"status"},
	{"firewall", "show"},
	{"profile", "list"},
}

// Eight clients send 25 random commands each to one palisaded built with
// the race detector. Afterwards one session must remain at most: connect
// holds Connected, disconnect holds Disconnected and leaves the client as
// before (no interface, rules, routes, nft table; resolv.conf restored),
// and the race detector reports nothing.
func TestConcurrentClientsOneSession(t *testing.T) {
	bed := testbed.New(t, testbed.Options{})
	n := &node{bed: bed, socket: t.TempDir() + "/p.sock", state: t.TempDir(), bin: raceDaemon(t)}
	before, err := bed.Snapshot(testbed.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	n.launch(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(c)))
			for range 25 {
				args := stressCommands[rng.IntN(len(stressCommands))]
				if out, err := n.cli(t, args...); err != nil {
					t.Errorf("client %d: palisade %s: %v\n%s", c, strings.Join(args, " "), err, out)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Back to the defaults, where a disconnected client has no rules.
	for _, set := range [][]string{{"killswitch", "auto"}, {"allow-lan", "on"}, {"ipv6", "on"}} {
		mustCLI(t, n, append([]string{"set"}, set...)...)
	}

	n.connect(t, "bed")
	holdState(t, n, ipc.Connected, 10*time.Second)
	if seen, err := n.probeSeen(t, testbed.InternetIPv6); err != nil || seen != testbed.ServerIPv6.String() {
		t.Errorf("IPv6 through the tunnel after the storm: seen %q, %v", seen, err)
	}

	mustCLI(t, n, "disconnect")
	holdState(t, n, ipc.Disconnected, 10*time.Second)
	compareSnapshot(t, bed, before, "after the storm and a disconnect")
	if resolv, err := os.ReadFile(n.daemon.ResolvConf()); err != nil || string(resolv) != testbed.ResolvConf {
		t.Errorf("resolv.conf after disconnect: %v\n%s", err, resolv)
	}

	// The race detector makes the daemon exit with status 66 when it saw a
	// race; its reports go to the daemon log.
	if err := n.daemon.Stop(); err != nil {
		t.Errorf("race-detector daemon did not exit cleanly: %v", err)
	}
	if races, err := n.daemon.DataRaces(); err != nil || races > 0 {
		t.Errorf("the race detector reported %d data races (%v); see the daemon log", races, err)
	}
	// Two sessions at once showed as a second TUN of the same name and as
	// one session reconfiguring the other's closed device.
	log, err := os.ReadFile(n.daemon.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, sign := range []string{"device or resource busy", "device closed"} {
		if strings.Contains(string(log), sign) {
			t.Errorf("the daemon log shows two sessions at once: %q", sign)
		}
	}
}

// holdState fails unless the status stream shows want now and pushes no
// other state for d.
func holdState(t *testing.T, n *node, want ipc.State, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var bad []string
	pushes := 0
	err := n.client.Watch(ctx, func(st ipc.Status) {
		pushes++
		if st.State != want {
			bad = append(bad, string(st.State)+" ("+st.LastError+")")
		}
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("status stream: %v", err)
	}
	if pushes == 0 || len(bad) > 0 {
		t.Errorf("status stream while %s should hold for %s: %d pushes, other states %v", want, d, pushes, bad)
	}
}
