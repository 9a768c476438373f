package tray

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/app/view"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

// lastShown is the tray's last icon and tooltip.
func (r *recordedTray) lastShown() (view.Icon, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.icons) == 0 || len(r.tooltips) == 0 {
		return -1, ""
	}
	return r.icons[len(r.icons)-1], r.tooltips[len(r.tooltips)-1]
}

func labelsOf(m view.MenuModel) []string {
	var labels []string
	for _, e := range menuEntries(m) {
		if !e.separator {
			labels = append(labels, e.label)
		}
	}
	return labels
}

// The service goes away with its kill switch's block kept: the tray shows
// the error icon, "Internet blocked: Palisade service not running" in the
// tooltip and menu, and an entry that explains the ways out in a
// notification. Without a block it says "Service not running" as before,
// with no such entry; when the service is back, the block's lines go.
func TestTrayServiceDownBlocked(t *testing.T) {
	tr, r, fake := newTestTray(t, fakeservice.Connected(), settings.Default())
	rec := keptblock.Record{Since: time.Date(2026, 11, 27, 1, 2, 3, 0, time.Local), Stop: "stop", Why: "kill switch always",
		Mode: "always", Families: []string{keptblock.IPv4, keptblock.IPv6}, LAN: true, Rules: 20}
	var mu sync.Mutex
	finding := keptblock.Decide(&rec, nil, keptblock.Unknown, errors.New("operation not permitted"))
	looks := 0
	tr.look = func() keptblock.Finding { mu.Lock(); defer mu.Unlock(); looks++; return finding }
	tr.start(t.Context())
	waitFor(t, "connected", func() bool { m, _ := r.menu(); return len(m.Status) > 0 && m.Status[0] == "Connected · work" })
	mu.Lock()
	if looks != 0 {
		t.Errorf("the tray looked for a kept block %d times while the service was up", looks)
	}
	mu.Unlock()

	fake.Stop()
	const blocked = "Internet blocked: Palisade service not running"
	waitFor(t, "blocked", func() bool { m, _ := r.menu(); return m.Status[0] == blocked })
	m, _ := r.menu()
	icon, tip := r.lastShown()
	if icon != view.IconError || tip != blocked {
		t.Errorf("icon %v tooltip %q, want the error icon and %q", icon, tip, blocked)
	}
	if !strings.Contains(m.Status[1], "IPv4 and IPv6") {
		t.Errorf("menu status %q: want the families blocked", m.Status)
	}
	labels := labelsOf(m)
	if !slices.Contains(labels, WayOutLabel) {
		t.Fatalf("menu %q lacks %q", labels, WayOutLabel)
	}
	for _, e := range menuEntries(m) {
		if e.label == WayOutLabel {
			e.do(tr)
		}
	}
	notes := r.notesSent()
	if len(notes) == 0 {
		t.Fatal("the explanation was not notified")
	}
	n := notes[len(notes)-1]
	for _, want := range []string{"sudo systemctl start palisaded", "sudo palisaded cleanup", "Since 2026-11-27 01:02:03", "kill switch always"} {
		if n.Title != blocked || !strings.Contains(n.Body, want) {
			t.Errorf("note %+v: want title %q and %q in the body", n, blocked, want)
		}
	}

	// Nothing blocks: as before, on the next attempt to reach the service.
	mu.Lock()
	finding = keptblock.Decide(nil, nil, keptblock.Absent, nil)
	mu.Unlock()
	// (A reconnection attempt that looked before the change may still
	// render the block once: wait for the result, do not check at once.)
	tr.down(fmt.Errorf("%w: test", ipc.ErrUnreachable))
	waitFor(t, "not blocked", func() bool {
		m, _ := r.menu()
		_, tip := r.lastShown()
		return m.Status[0] == "Service not running" && tip == "Palisade: Service not running" && !slices.Contains(labelsOf(m), WayOutLabel)
	})

	fake.Restart(t)
	waitFor(t, "back", func() bool { m, _ := r.menu(); return m.Status[0] == "Connected · work" })
	if m, _ := r.menu(); m.WayOut != "" || slices.Contains(labelsOf(m), WayOutLabel) {
		t.Errorf("back: menu %+v still explains a block", m)
	}
}
