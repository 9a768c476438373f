package firewall

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"
)

func needRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root: creates network namespaces and nftables tables")
	}
}

// testNS is a network namespace created for one test and deleted with it.
type testNS struct {
	name   string
	handle netns.NsHandle
}

func newTestNS(tb testing.TB) *testNS {
	tb.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	name := "palisade-fw-" + hex.EncodeToString(b)
	run(tb, "ip", "netns", "add", name)
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	h, err := netns.GetFromName(name)
	if err != nil {
		tb.Fatalf("open netns %s: %v", name, err)
	}
	tb.Cleanup(func() { h.Close() })
	ns := &testNS{name: name, handle: h}
	ns.ip(tb, "link", "set", "lo", "up")
	return ns
}

func (ns *testNS) ip(tb testing.TB, args ...string) {
	tb.Helper()
	run(tb, "ip", append([]string{"-n", ns.name}, args...)...)
}

// backend returns an nftables backend bound to the namespace.
func (ns *testNS) backend(tb testing.TB) *nftBackend {
	b := newNFT(slog.New(slog.NewTextHandler(io.Discard, nil)), nftables.WithNetNSFd(int(ns.handle)))
	tb.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.closeLocked()
	})
	return b
}

func (ns *testNS) conn(tb testing.TB) *nftables.Conn {
	tb.Helper()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.handle)))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// do runs f on a thread switched into the namespace; sockets opened in f
// stay in it.
func (ns *testNS) do(tb testing.TB, f func()) {
	tb.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		tb.Fatal(err)
	}
	defer orig.Close()
	if err := netns.Set(ns.handle); err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic(fmt.Sprintf("cannot return to the original netns: %v", err))
		}
	}()
	f()
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}
