package service

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// fakeGroups records the processes moved into each group.
type fakeGroups struct {
	mu    sync.Mutex
	moved map[settings.SplitMode][]int
	// watched records each Watch call as "mode:program,program".
	watched []string
}

func (g *fakeGroups) Group(mode settings.SplitMode) string { return "test/" + string(mode) }
func (g *fakeGroups) Ensure(mode settings.SplitMode) error { return nil }
func (g *fakeGroups) Watch(mode settings.SplitMode, programs []string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.watched = append(g.watched, string(mode)+":"+strings.Join(programs, ","))
	return nil
}
func (g *fakeGroups) Move(mode settings.SplitMode, pid int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.moved == nil {
		g.moved = map[settings.SplitMode][]int{}
	}
	g.moved[mode] = append(g.moved[mode], pid)
	return nil
}

func withSplit(t *testing.T, m *Manager, mode settings.SplitMode) {
	t.Helper()
	s := m.Settings()
	s.Split.Mode = mode
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
}

func TestSplitUnavailableIsRefused(t *testing.T) {
	env, _ := testEnv(t, true)
	env.SplitUnavailable = platform.SplitTunnelUnavailable + "no network extension here"
	m := newTestManager(t, env)
	s := m.Settings()
	s.Split.Mode = settings.SplitBypass
	if _, err := m.SetSettings(s); err == nil || !strings.Contains(err.Error(), "no network extension here") {
		t.Fatalf("split on without groups: %v", err)
	}
	if m.Settings().Split.On() {
		t.Error("refused setting was stored")
	}
	if st := m.Status(); !strings.Contains(st.SplitUnavailable, "no network extension here") {
		t.Errorf("status does not say why: %q", st.SplitUnavailable)
	}
	if err := m.SplitExec(settings.SplitBypass, 42, 0); err == nil {
		t.Error("exec moved a process without groups")
	}
}

func TestSplitExecMovesTheCaller(t *testing.T) {
	splitNeedsLinux(t)
	env, _ := testEnv(t, true)
	g := &fakeGroups{}
	env.Split = g
	m := newTestManager(t, env)
	if err := m.SplitExec(settings.SplitBypass, 42, 0); !errors.Is(err, errSplitOff) {
		t.Errorf("exec while off: %v", err)
	}
	withSplit(t, m, settings.SplitBypass)
	if err := m.SplitExec(settings.SplitVPNOnly, 42, 0); err == nil || !strings.Contains(err.Error(), "bypass mode") {
		t.Errorf("exec into the other group: %v", err)
	}
	if err := m.SplitExec(settings.SplitBypass, 0, 0); err == nil {
		t.Error("exec of an unknown caller accepted")
	}
	if err := m.SplitExec(settings.SplitBypass, 42, 0); err != nil {
		t.Fatal(err)
	}
	if got := g.moved[settings.SplitBypass]; len(got) != 1 || got[0] != 42 || len(g.moved[settings.SplitVPNOnly]) != 0 {
		t.Errorf("moved %v", g.moved)
	}
	if st := m.Status(); st.SplitUnavailable != "" || st.Split != settings.SplitBypass {
		t.Errorf("status: unavailable %q, split %q", st.SplitUnavailable, st.Split)
	}
	s := m.Settings()
	s.Split.Programs = []string{"/usr/bin/curl", "/usr/bin/wget"}
	if _, err := m.SetSettings(s); err != nil {
		t.Fatal(err)
	}
	if st := m.Status(); st.SplitPrograms != 2 {
		t.Errorf("status counts %d programs, want 2", st.SplitPrograms)
	}
	withSplit(t, m, settings.SplitOff)
	if st := m.Status(); st.Split != "" || st.SplitPrograms != 0 {
		t.Errorf("status says split %q with %d programs while off", st.Split, st.SplitPrograms)
	}
}

// TestSplitShapesRoutesAndFirewall: the mode reaches the policy rules and
// the firewall, and changing it while connected reconnects.
func TestSplitShapesRoutesAndFirewall(t *testing.T) {
	env, r := testEnv(t, true)
	env.Split = &fakeGroups{}
	fw := &recordingFirewall{}
	env.Firewall = fw
	m := newTestManager(t, env)
	withSplit(t, m, settings.SplitVPNOnly)
	if _, err := m.Import("home", testProfile); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("home"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, ipc.Connected)
	if s := fw.policy().Split; s == nil || s.Mode != firewall.SplitVPNOnly || s.Cgroup != "test/vpn-only" || s.Mark != platform.SplitMark {
		t.Errorf("firewall split plan %+v", s)
	}
	withSplit(t, m, settings.SplitBypass)
	var ups []platform.TunnelConfig
	for range 200 {
		r.mu.Lock()
		ups = append([]platform.TunnelConfig(nil), r.ups...)
		r.mu.Unlock()
		if len(ups) >= 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitState(t, m, ipc.Connected)
	if len(ups) != 2 || ups[0].Split != platform.SplitVPNOnly || ups[1].Split != platform.SplitBypass {
		t.Fatalf("router configs: %+v", ups)
	}
	if s := fw.policy().Split; s == nil || s.Mode != firewall.SplitBypass || s.Cgroup != "test/bypass" {
		t.Errorf("firewall split plan after the change %+v", s)
	}
	withSplit(t, m, settings.SplitOff)
	waitState(t, m, ipc.Connected)
	if fw.policy().Split != nil {
		t.Error("split plan left after turning it off")
	}
}

// TestSplitExecMovesOnlyTheCallersOwnProcess: the pid recorded at connect
// may by now be another user's process (the caller exited, a child kept
// the connection); a caller other than root moves only its own user's.
func TestSplitExecMovesOnlyTheCallersOwnProcess(t *testing.T) {
	splitNeedsLinux(t)
	env, _ := testEnv(t, true)
	g := &fakeGroups{}
	env.Split = g
	m := newTestManager(t, env)
	withSplit(t, m, settings.SplitBypass)
	s := NewServer(m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	exec := func(uid int) int {
		req := httptest.NewRequest("POST", ipc.PathSplitExec, strings.NewReader(`{"mode":"bypass"}`))
		req = req.WithContext(auth.WithIdentity(req.Context(), auth.Identity{UID: uid, PID: os.Getpid(), Authorized: true}))
		rec := httptest.NewRecorder()
		s.srv.Handler.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := exec(os.Getuid() + 1); code != http.StatusConflict {
		t.Errorf("another user's process: status %d, want %d", code, http.StatusConflict)
	}
	if got := g.moved[settings.SplitBypass]; len(got) != 0 {
		t.Fatalf("another user's process was moved: %v", got)
	}
	if code := exec(os.Getuid()); code != http.StatusNoContent {
		t.Errorf("the caller's own process: status %d", code)
	}
	if got := g.moved[settings.SplitBypass]; len(got) != 1 || got[0] != os.Getpid() {
		t.Errorf("moved %v, want the caller's own process", got)
	}
}

// splitNeedsLinux skips a test of the split tunnel's Linux logic (program
// paths, process owners from /proc) on the macOS and Windows runners, where
// the feature is refused (TestSplitUnavailableIsRefused).
func splitNeedsLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("split tunnelling is Linux only")
	}
}
