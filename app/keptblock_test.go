package app

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/keptblock"
	"github.com/palisadevpn/palisade/service/settings"
)

// The window says the internet is blocked, by which families, and the ways
// out, when the service goes away with its kill switch's block kept.
func TestWindowServiceDownBlocked(t *testing.T) {
	h := newHarness(t, fakeservice.Connected(), settings.Default())
	rec := keptblock.Record{Since: time.Now(), Stop: "restart", Why: "the service manager restarts the service", Mode: "auto",
		Families: []string{keptblock.IPv4, keptblock.IPv6}, Rules: 20}
	h.g.look = func() keptblock.Finding { return keptblock.Decide(&rec, nil, keptblock.Present, nil) }
	h.g.Start(t.Context())
	h.until("connected", func() bool { return h.g.status.state.Text == "Connected" })
	h.fake.Stop()
	h.until("service down", func() bool { return !h.g.up })
	p := h.g.status.problem.Text
	if h.g.status.state.Text != "Internet blocked: Palisade service not running" ||
		!strings.Contains(p, "blocked by Palisade's kill switch (IPv4 and IPv6)") ||
		!strings.Contains(p, "sudo systemctl start palisaded") || !strings.Contains(p, "sudo palisaded cleanup") {
		t.Errorf("down with a kept block: %q / %q", h.g.status.state.Text, p)
	}
}
