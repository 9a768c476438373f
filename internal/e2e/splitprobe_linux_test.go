package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/platform/cgroup"
)

// splitProbeEnv makes the e2e binary a split tunnel probe program instead
// of running tests: "self" probes, "child" runs itself again as a child
// that probes (its group is inherited, not given).
const splitProbeEnv = "PALISADE_SPLIT_PROBE"

// splitResult is what one probe program saw: the source address the
// internet host saw per protocol and family ("error: ..." when the probe
// failed), the whoami answers of the local resolver's two addresses, and
// the probing process's cgroup.
type splitResult struct {
	TCP4, TCP6, UDP4, UDP6 string
	DNS4, DNS6             string
	Cgroup                 string
}

// runSplitProbe is the probe program's main.
func runSplitProbe(kind string) int {
	if port, ok := strings.CutPrefix(kind, "listen:"); ok {
		return runSplitListener(port)
	}
	if addr, ok := strings.CutPrefix(kind, "close:"); ok {
		return runSplitClose(addr)
	}
	if kind == "child" {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), splitProbeEnv+"=self")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		return 0
	}
	var r splitResult
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		r.Cgroup, _ = cgroup.ParseProcCgroup(string(b))
	}
	r.TCP4 = seen("tcp", netip.AddrPortFrom(testbed.InternetIPv4, testbed.HTTPPort))
	r.TCP6 = seen("tcp", netip.AddrPortFrom(testbed.InternetIPv6, testbed.HTTPPort))
	r.UDP4 = seen("udp", netip.AddrPortFrom(testbed.InternetIPv4, testbed.EchoPort))
	r.UDP6 = seen("udp", netip.AddrPortFrom(testbed.InternetIPv6, testbed.EchoPort))
	r.DNS4 = whoami("127.80.73.65:53")
	r.DNS6 = whoami("[fe80::80:73:65%lo]:53")
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// seen dials addr, sends a datagram for UDP, and returns the source
// address the far side reports, bounded by two seconds.
func seen(network string, addr netip.AddrPort) string {
	c, err := net.DialTimeout(network, addr.String(), 2*time.Second)
	if err != nil {
		return "error: " + err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if network == "udp" {
		if _, err := c.Write([]byte("probe")); err != nil {
			// A dropped and a rejected datagram both fail the send
			// (EPERM); only a reject also answers with an ICMP error,
			// which the read reports at once, where a drop ends in the
			// timeout.
			_, rerr := c.Read(make([]byte, 1))
			return fmt.Sprintf("error: %v; then %v", err, rerr)
		}
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(line)
}

// whoami asks server for the querier's address as the answering name
// server saw it.
func whoami(server string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(testbed.WhoamiName, dns.TypeTXT)
	m, _, err := (&dns.Client{}).ExchangeContext(ctx, q, server)
	if err != nil {
		return "error: " + err.Error()
	}
	for _, rr := range m.Answer {
		if txt, ok := rr.(*dns.TXT); ok && len(txt.Txt) > 0 {
			return txt.Txt[0]
		}
	}
	return "error: no TXT answer: " + errors.New(dns.RcodeToString[m.Rcode]).Error()
}

// splitListenFor bounds a probe listener's life.
const splitListenFor = 8 * time.Second

// runSplitListener listens on TCP port of both families and answers every
// connection with the address it came from, until splitListenFor ends.
func runSplitListener(port string) int {
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		return 1
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(splitListenFor))
	for {
		c, err := ln.Accept()
		if err != nil {
			return 0
		}
		ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
		fmt.Fprintln(c, ap.Addr().Unmap())
		c.Close()
	}
}

// runSplitClose connects to addr, sends a line and closes first (the
// connection's TIME_WAIT is on this side), bounded by two seconds.
func runSplitClose(addr string) int {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		return 1
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	_, err = fmt.Fprintln(c, "bye")
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		return 1
	}
	return 0
}
