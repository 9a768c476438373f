package firewall

import (
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/internal/testenv"
	"golang.org/x/sys/windows"
)

// TestWFPPersistentToStaticAndBack runs the real backend (the Windows
// workflow's unit tests, as administrator): a persistent policy with
// boot-time copies, as mode always or a stop for a restart installs, is
// replaced by a static one, as the next process's first Apply does, and
// removed. The policy only rejects TEST-NET-3, so the runner keeps its
// network. Before cleanup enumerated boot-time filters, the second Apply
// failed: the boot-time filters kept the sublayer in use.
func TestWFPPersistentToStaticAndBack(t *testing.T) {
	if !windows.GetCurrentProcessToken().IsElevated() {
		testenv.Missing(t, "WFP needs an elevated administrator")
	}
	fw, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fw.Remove() })
	rule := Rule{Family: FamilyIPv4, Dst: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, Action: Reject, Reason: "palisade test: TEST-NET-3"}
	kept := Policy{Engaged: true, Persistent: true, Output: []Rule{rule}}

	lifetimes := func() map[string]int {
		t.Helper()
		out, err := fw.Show()
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[0], "{") {
				n[f[1]]++
			}
		}
		return n
	}
	if err := fw.Apply(kept); err != nil {
		t.Fatalf("persistent policy: %v", err)
	}
	if n := lifetimes(); n["persistent"] != 1 || n["boot-time"] != 1 || n["static"] != 0 {
		t.Fatalf("after the persistent policy: filters by lifetime %v, want one persistent and its boot-time copy", n)
	}
	static := kept
	static.Persistent = false
	if err := fw.Apply(static); err != nil {
		t.Fatalf("static policy replacing the persistent one: %v", err)
	}
	if n := lifetimes(); n["static"] != 1 || n["persistent"] != 0 || n["boot-time"] != 0 {
		t.Fatalf("after the static policy: filters by lifetime %v, want one static", n)
	}
	if err := fw.Apply(kept); err != nil {
		t.Fatalf("persistent policy again: %v", err)
	}
	if err := fw.Remove(); err != nil {
		t.Fatalf("remove after a persistent policy: %v", err)
	}
	if out, err := fw.Show(); err != nil || !strings.HasPrefix(out, "no palisade filters") {
		t.Fatalf("after Remove: %q, %v", out, err)
	}
}
