package service

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/bootstrap"
	"github.com/palisadevpn/palisade/service/ipc"
)

// Impatient users, a tray click racing the CLI, a settings change racing a
// connect: whatever the interleaving, at most one session is ever live, and
// the last command decides what remains.
func TestConcurrentCommandsOneSession(t *testing.T) {
	m, r := testManager(t, true)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 18))
			for range 25 {
				switch rng.IntN(5) {
				case 0, 1:
					if err := m.Connect("home"); err != nil {
						t.Errorf("connect: %v", err)
					}
				case 2:
					m.Disconnect()
				case 3: // reshapes the tunnel: reconnects when connected
					s := m.Settings()
					s.IPv6 = !s.IPv6
					if _, err := m.SetSettings(s); err != nil {
						t.Errorf("set ipv6: %v", err)
					}
				case 4: // applies in place
					s := m.Settings()
					s.AllowLAN = !s.AllowLAN
					if _, err := m.SetSettings(s); err != nil {
						t.Errorf("set allow-lan: %v", err)
					}
				}
				// Let sessions get into bring-up and watching between
				// commands, where they used to be overtaken.
				time.Sleep(time.Duration(rng.IntN(4)) * time.Millisecond)
			}
		}()
	}
	wg.Wait()

	m.Disconnect()
	if live, _ := r.devices(); live != 0 {
		t.Errorf("%d devices open after disconnect returned", live)
	}
	// A settings change that would reconnect a live tunnel must not
	// resurrect one the user disconnected.
	s := m.Settings()
	s.IPv6 = !s.IPv6
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	stableState(t, m, ipc.Disconnected, 500*time.Millisecond)
	if live, _ := r.devices(); live != 0 {
		t.Errorf("%d devices open after a quiet disconnected period", live)
	}

	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	stableState(t, m, ipc.Connected, 500*time.Millisecond)
	if live, _ := r.devices(); live != 1 {
		t.Errorf("%d devices open while connected, want 1", live)
	}
	if _, most := r.devices(); most > 1 {
		t.Errorf("%d sessions were live at the same time, want at most 1", most)
	}
}

// stableState fails unless every status the stream pushes for d is want.
func stableState(t *testing.T, m *Manager, want ipc.State, d time.Duration) {
	t.Helper()
	ch, stop := m.Subscribe()
	defer stop()
	timeout := time.After(d)
	for n := 0; ; n++ {
		select {
		case st := <-ch:
			if st.State != want {
				t.Fatalf("status stream pushed %s (%q), want %s to hold for %s", st.State, st.LastError, want, d)
			}
		case <-timeout:
			if n == 0 {
				t.Fatal("the status stream pushed nothing, not even the current state")
			}
			return
		}
	}
}

// A session that is being stopped may still be in the middle of a step
// (here: reading a fresh handshake) when the user disconnects. Nothing it
// finds after that may reach the status stream: the stream goes
// Disconnecting → Disconnected, never back to Connected in between.
func TestStoppedSessionReportsNothing(t *testing.T) {
	m, r := testManager(t, true)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	inStats, release := make(chan struct{}), make(chan struct{})
	closing, closeRelease := make(chan struct{}), make(chan struct{})
	var once, closeOnce sync.Once
	r.setHooks(func() {
		once.Do(func() { close(inStats); <-release })
	}, func() {
		closeOnce.Do(func() { close(closing); <-closeRelease })
	})
	<-inStats // the session is reading the device
	ch, stop := m.Subscribe()
	defer stop()
	<-ch // the current status
	disconnected := make(chan struct{})
	go func() { m.Disconnect(); close(disconnected) }()
	if st := <-ch; st.State != ipc.Disconnecting {
		t.Fatalf("first push after disconnect: %s, want %s", st.State, ipc.Disconnecting)
	}
	close(release) // the stopped session finds a fresh handshake
	<-closing      // and has reached its teardown
	select {
	case st := <-ch:
		t.Errorf("a stopped session pushed %s (%q) during its teardown", st.State, st.LastError)
	default:
	}
	close(closeRelease)
	<-disconnected
	if st := m.Status(); st.State != ipc.Disconnected {
		t.Errorf("after disconnect: %s", st.State)
	}
}

// The reconnect at start is in flight (its endpoint lookup hangs on a dead
// name server) when the user disconnects: the disconnect wins, nothing is
// left running, and the next start does not reconnect either.
func TestDisconnectWinsOverReconnectAtStart(t *testing.T) {
	env, r := testEnv(t, true)
	first := newTestManager(t, env)
	if _, err := first.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := first.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, first, ipc.Connected)
	first.Close() // a service stop while connected: the journal says reconnect

	lookups := make(chan struct{}, 1)
	env.Lookup = func(ctx context.Context, _ []netip.AddrPort, _, _ string) (bootstrap.Result, error) {
		select {
		case lookups <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return bootstrap.Result{}, ctx.Err()
	}
	m := newTestManager(t, env)
	select {
	case <-lookups:
	case <-time.After(5 * time.Second):
		t.Fatal("no reconnect at start: the endpoint was never looked up")
	}
	done := make(chan struct{})
	go func() { m.Disconnect(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("disconnect did not return while the reconnect at start was resolving")
	}
	stableState(t, m, ipc.Disconnected, 300*time.Millisecond)
	if live, _ := r.devices(); live != 0 {
		t.Errorf("%d devices open after disconnect", live)
	}
	m.Close()
	next := newTestManager(t, env)
	next.mu.Lock()
	defer next.mu.Unlock()
	if next.cur != nil {
		t.Error("the next start reconnected after the user's disconnect")
	}
}
