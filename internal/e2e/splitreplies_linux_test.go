package e2e

import (
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
)

// twPort is the internet host's port for the TIME_WAIT probe.
const twPort = 7421

// twInternetRules hold the drop of the client's packets (added once the
// connection is half closed) and count them; twLANRules count the
// connection's packets that reach the LAN router outside the tunnel
// (tunnelled traffic crosses the LAN as WireGuard UDP).
var (
	twInternetRules = `table inet paltw {
	counter drop_4 {}
	counter drop_6 {}
	chain in {
		type filter hook input priority filter; policy accept;
	}
}
`
	twLANRules = `table inet paltwleak {
	counter leak_4 {}
	counter leak_6 {}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname "lan0" meta nfproto ipv4 tcp dport ` + strconv.Itoa(twPort) + ` counter name "leak_4"
		iifname "lan0" meta nfproto ipv6 tcp dport ` + strconv.Itoa(twPort) + ` counter name "leak_6"
	}
}
`
)

// TestSplitVPNOnlyKernelReplies: the packets the kernel sends for a
// vpn-only program's connection without a full socket (here a TIME_WAIT
// socket's ACKs to the far side's retransmitted FIN) go through the
// tunnel like the rest of the connection, both families; unmarked, they
// took the physical path.
func TestSplitVPNOnlyKernelReplies(t *testing.T) {
	parent := splitParent(t)
	n := start(t, testbed.Options{}, "--cgroup-parent", parent)
	n.dumpOnFailure(t)
	n.importProfile(t, "bed", testbed.ProfileOptions{})
	mustCLI(t, n, "split", "mode", "vpn-only")
	n.connect(t, "bed")
	if err := n.bed.LoadNFT(testbed.RoleInternet, twInternetRules); err != nil {
		t.Fatal(err)
	}
	if err := n.bed.LoadNFT(testbed.RoleLAN, twLANRules); err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	err := n.bed.Do(testbed.RoleInternet, func() (err error) {
		ln, err = net.Listen("tcp", ":"+strconv.Itoa(twPort))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, f := range []struct {
		fam, nfproto string
		addr         netip.Addr
	}{{"4", "ipv4", testbed.InternetIPv4}, {"6", "ipv6", testbed.InternetIPv6}} {
		timeWaitInTunnel(t, n, ln, f.fam, f.nfproto, netip.AddrPortFrom(f.addr, twPort))
	}
}

// timeWaitInTunnel has a vpn-only program connect to addr and close
// first; the internet host then drops the client's packets and closes,
// so it retransmits its FIN and the client's TIME_WAIT socket answers
// each. It waits (bounded) for the first of those answers and fails if
// any of the connection's packets reached the LAN router outside the
// tunnel.
func timeWaitInTunnel(t *testing.T, n *node, ln net.Listener, fam, nfproto string, addr netip.AddrPort) {
	t.Helper()
	type accepted struct {
		c   net.Conn
		err error
	}
	got := make(chan accepted, 1)
	go func() {
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
		c, err := ln.Accept()
		if err == nil {
			c.SetReadDeadline(time.Now().Add(15 * time.Second))
			_, err = io.Copy(io.Discard, c) // until the client's FIN
		}
		got <- accepted{c, err}
	}()
	args := []string{bins.cli, "--socket", n.socket, "exec", "--vpn-only", "--", "env", splitProbeEnv + "=close:" + addr.String(), os.Args[0]}
	if out, err := n.daemon.Exec(args...); err != nil {
		t.Fatalf("IPv%s: vpn-only program: %v\n%s", fam, err, out)
	}
	var a accepted
	select {
	case a = <-got:
	case <-time.After(30 * time.Second):
		t.Fatalf("IPv%s: the internet host saw no connection", fam)
	}
	if a.err != nil {
		t.Fatalf("IPv%s: internet host: %v", fam, a.err)
	}
	if _, err := n.bed.Exec(testbed.RoleInternet, "nft", "add", "rule", "inet", "paltw", "in",
		"meta", "nfproto", nfproto, "tcp", "dport", strconv.Itoa(twPort), "counter", "name", "drop_"+fam, "drop"); err != nil {
		t.Fatal(err)
	}
	defer n.bed.Exec(testbed.RoleInternet, "nft", "flush", "chain", "inet", "paltw", "in")
	a.c.Close()
	// The first dropped packet is the ACK of the FIN; the second answers
	// a retransmission (from TIME_WAIT). A leak reaches the LAN router
	// before the internet host, so it is counted by then.
	var drop, leak uint64
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); {
		d, err := n.bed.Counters(testbed.RoleInternet, "inet", "paltw")
		if err != nil {
			t.Fatal(err)
		}
		l, err := n.bed.Counters(testbed.RoleLAN, "inet", "paltwleak")
		if err != nil {
			t.Fatal(err)
		}
		drop, leak = d["drop/"+fam], l["leak/"+fam]
		if drop >= 2 || leak > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if leak > 0 {
		t.Errorf("IPv%s: %d packets of the vpn-only program's closed connection left outside the tunnel", fam, leak)
	}
	if drop < 2 && leak == 0 {
		t.Errorf("IPv%s: no answer to the retransmitted FIN seen within 60 s (dropped %d)", fam, drop)
	}
}
