package app

import (
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// A push while the window is closed updates the tray only; the panes catch
// up when the window shows again.
func TestHiddenWindowIsNotPainted(t *testing.T) {
	h := newHarness(t, connected(), settings.Default())
	h.g.apply(connected(), t0)
	if h.field("Handshake") != "10 s ago" {
		t.Fatalf("handshake %q while shown", h.field("Handshake"))
	}
	h.g.hideWindow()
	st := connected()
	st.RxBytes += 2_000_000
	h.g.apply(st, t0.Add(2*time.Second))
	h.g.apply(ipc.Status{State: ipc.Disconnected, CanControl: true}, t0.Add(3*time.Second))
	if h.field("Handshake") != "10 s ago" || h.g.status.state.Text != "Connected" || h.field("Download") != none {
		t.Errorf("hidden window painted: state %q, handshake %q, download %q",
			h.g.status.state.Text, h.field("Handshake"), h.field("Download"))
	}
	if got := menuLabels(h.g.tray.menu); got[0] != "Disconnected" || h.g.tray.icon != IconDisconnected {
		t.Errorf("tray not updated while the window is hidden: %q, icon %v", got, h.g.tray.icon)
	}
	h.g.ShowWindow("")
	if h.g.status.state.Text != "Disconnected" || h.field("Handshake") != none || h.g.status.button.Text != "Connect" {
		t.Errorf("shown window not brought up to date: state %q, handshake %q, button %q",
			h.g.status.state.Text, h.field("Handshake"), h.g.status.button.Text)
	}
}

// A push touches only the labels whose text changed.
func TestStatusPaneTouchesOnlyChanges(t *testing.T) {
	h := newHarness(t, connected(), settings.Default())
	v := NewView(connected(), t0)
	h.g.status.update(v)
	if n := h.g.status.update(v); n != 0 {
		t.Errorf("the same view again touched %d widgets", n)
	}
	// The handshake ages a second: the text, in 10 s steps, stays.
	if n := h.g.status.update(NewView(connected(), t0.Add(time.Second))); n != 0 {
		t.Errorf("a handshake one second older touched %d widgets, want 0", n)
	}
	if n := h.g.status.update(NewView(connected(), t0.Add(8*time.Second))); n != 1 || h.field("Handshake") != "20 s ago" {
		t.Errorf("a handshake age change touched %d widgets (want 1), shows %q", n, h.field("Handshake"))
	}
	if n := h.g.status.setRates("1.0 kB/s", ""); n != 1 {
		t.Errorf("a download rate change touched %d widgets, want 1", n)
	}
	if n := h.g.status.update(NewView(ipc.Status{State: ipc.Disconnected, CanControl: true}, t0)); n < 5 {
		t.Errorf("a state change touched only %d widgets", n)
	}
}
