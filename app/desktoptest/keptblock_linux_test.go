package desktoptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/tray"
	"github.com/palisadevpn/palisade/service/keptblock"
)

// keptTable is a stand-in for the block a stopped service keeps: the
// palisade table with one reject rule, in a network namespace of the
// tray's own (nothing else is in it).
const keptTable = `table inet palisade {
	chain output {
		type filter hook output priority 0; policy accept;
		reject
	}
}`

// The real tray process, with its service down, reads the kept-block
// record and the packet filter itself (nftables over netlink, as root, in
// a network namespace of its own): with Palisade's table there, its
// tooltip and first menu entry say "Internet blocked: Palisade service not
// running" and "How to get back online…" notifies the ways out; with the
// table gone (a reboot clears it) the same record is stale and the tray
// says "Service not running" as before, with no such entry.
func TestTrayKeptBlock(t *testing.T) {
	if busAddr == "" {
		t.Skip("dbus-daemon is not installed (package dbus)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: the tray runs in a network namespace of its own with an nftables table")
	}
	for _, tool := range []string{"unshare", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	for _, c := range []struct {
		name, table, state string
		entry              bool
	}{
		{"table and record", keptTable, "Internet blocked: Palisade service not running", true},
		{"stale record", "", "Service not running", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, notes := trayServers(t)
			state := t.TempDir()
			rec := keptblock.Record{Since: time.Now(), Stop: "stop", Why: "kill switch always", Mode: "always",
				Families: []string{keptblock.IPv4, keptblock.IPv6}, LAN: true, Rules: 20}
			if err := keptblock.Write(state, rec); err != nil {
				t.Fatal(err)
			}
			// unshare execs the shell, which execs the tray: one process.
			wrapper := []string{"unshare", "--net", "sh", "-c", `[ -z "$1" ] || printf '%s\n' "$1" | nft -f - || exit 1; shift; exec "$@"`, "sh", c.table}
			_, item := startTrayProcess(t, w, nil, wrapper, "--socket", filepath.Join(t.TempDir(), "none.sock"), "--state-dir", state)
			labels := waitMenu(t, w, item, c.state)
			if slices.Contains(labels, tray.WayOutLabel) != c.entry {
				t.Errorf("menu %q: entry %q present %v, want %v", labels, tray.WayOutLabel, !c.entry, c.entry)
			}
			want := c.state
			if !strings.Contains(want, "Palisade") {
				want = "Palisade: " + want
			}
			var tip string
			// Up to 20 s: the tray sets it again 10 s after its start.
			for range 200 {
				if v, err := w.Conn().Object(item.Sender, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.ToolTip"); err == nil {
					if f, ok := v.Value().([]any); ok && len(f) > 2 {
						tip, _ = f[2].(string)
					}
				}
				if tip == want {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if tip != want {
				t.Errorf("tooltip %q, want %q", tip, want)
			}
			if !c.entry {
				return
			}
			if err := w.Click(item, tray.WayOutLabel); err != nil {
				t.Fatal(err)
			}
			n, err := notes.WaitFor(1, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"IPv4 and IPv6", "kill switch always", "sudo systemctl start palisaded", "sudo palisaded cleanup"} {
				if n.Title != c.state || !strings.Contains(n.Body, s) {
					t.Errorf("notification %+v: want title %q and %q in the body", n, c.state, s)
				}
			}
		})
	}
}
