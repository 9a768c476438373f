package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/palisadevpn/palisade/dnsproxy"
	"github.com/palisadevpn/palisade/internal/netnstest"
)

// TestDNSBenchmark compares the resolver's cached throughput with dnsmasq
// and unbound set up as caching forwarders to the same upstream, in the same
// run, inside a private network namespace (loopback only).
func TestDNSBenchmark(t *testing.T) {
	if os.Getenv("PALISADE_BENCH") != "1" {
		t.Skip("runs through `make bench` (PALISADE_BENCH=1)")
	}
	for _, tool := range []string{"dnsperf", "dnsmasq", "unbound"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed; run scripts/deps.sh", tool)
		}
	}
	// dnsperf resolves its server address with AI_ADDRCONFIG, which needs a
	// non-loopback address of the family: a veth link provides one.
	netnstest.Rerun(t, "TestDNSBenchmarkChild",
		[]string{"addr", "add", "fe80::80:73:65/128", "dev", "lo", "nodad"},
		[]string{"link", "add", "dummy0", "type", "veth", "peer", "name", "dummy1"},
		[]string{"link", "set", "dummy0", "up"},
		[]string{"link", "set", "dummy1", "up"},
		[]string{"addr", "add", "192.0.2.99/32", "dev", "dummy0"},
		[]string{"addr", "add", "2001:db8::99/128", "dev", "dummy0", "nodad"})
}

// benchNames is how many distinct names the query file asks for; all of
// them fit every cache, so after the warm-up the upstream is idle. They live
// under example., not test., which unbound answers locally (RFC 6761).
const benchNames = 200

func TestDNSBenchmarkChild(t *testing.T) {
	netnstest.Child(t)
	dir := t.TempDir()
	upstream := startAuthority(t, "127.0.0.1:5300")
	queries := filepath.Join(dir, "queries")
	var b strings.Builder
	for i := 0; i < benchNames; i++ {
		fmt.Fprintf(&b, "host%d.bench.example A\n", i)
	}
	if err := os.WriteFile(queries, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	srv, err := dnsproxy.New(dnsproxy.Config{Listen: dnsproxy.DefaultListen, Upstreams: []netip.AddrPort{upstream}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dnsmasq := startDaemon(t, "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--server=127.0.0.1#5300",
		"--listen-address=127.0.0.2", "--bind-interfaces", "--cache-size=10000", "--user=root", "--pid-file="+filepath.Join(dir, "dnsmasq.pid"))
	conf := filepath.Join(dir, "unbound.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`server:
  interface: 127.0.0.3
  do-daemonize: no
  username: ""
  chroot: ""
  directory: %q
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  num-threads: 1
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@5300
`, dir)), 0o644)
	unbound := startDaemon(t, "unbound", "-d", "-c", conf)

	secs := envInt("PALISADE_BENCH_SECONDS", 5)
	rounds := envInt("PALISADE_BENCH_ROUNDS", 3)
	// pid is whose CPU time a run costs: the resolver runs in this process.
	targets := []struct {
		name, addr string
		pid        int
	}{
		{"palisade resolver (127.80.73.65)", "127.80.73.65", os.Getpid()},
		{"palisade resolver (fe80::80:73:65%lo)", "fe80::80:73:65%lo", os.Getpid()},
		{"dnsmasq", "127.0.0.2", dnsmasq},
		{"unbound", "127.0.0.3", unbound},
	}
	for _, tg := range targets {
		waitAnswer(t, tg.addr)
		dnsperf(t, tg.addr, queries, 1) // warm the cache
	}
	// The resolvers take turns, round after round, so a slow patch of the
	// machine hits them all alike; medians are reported. dnsperf needs one
	// of the two cores, so it can be the limit; the resolver's CPU time per
	// answered query shows the cost on the server side regardless.
	qps, lat, cpu := make([][]float64, len(targets)), make([][]float64, len(targets)), make([][]float64, len(targets))
	for range rounds {
		for i, tg := range targets {
			before := cpuTime(t, tg.pid)
			q, l := dnsperf(t, tg.addr, queries, secs)
			used := cpuTime(t, tg.pid) - before
			qps[i], lat[i] = append(qps[i], q), append(lat[i], l)
			cpu[i] = append(cpu[i], used.Seconds()/(q*float64(secs)))
		}
	}
	fmt.Printf("\ndnsperf, warm cache, %d names, medians of %d rounds of %d s\n%-40s %10s %19s %12s %10s %8s\n",
		benchNames, rounds, secs, "resolver", "QPS", "(range)", "avg latency", "CPU/query", "/dnsmasq")
	base := medianOf(qps[2])
	for i, tg := range targets {
		q := medianOf(qps[i])
		fmt.Printf("%-40s %10.0f %8.0f–%-8.0f %10.0fµs %8.1fµs %8.2f\n", tg.name, q, slices.Min(qps[i]), slices.Max(qps[i]),
			medianOf(lat[i])*1e6, medianOf(cpu[i])*1e6, q/base)
	}
}

// cpuTime is the user plus system CPU time process pid has used so far.
func cpuTime(t testing.TB, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func medianOf(v []float64) float64 {
	v = slices.Sorted(slices.Values(v))
	return v[len(v)/2]
}

// startAuthority answers every name with an A record of a long TTL.
func startAuthority(t *testing.T, addr string) netip.AddrPort {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		if len(r.Question) == 1 && r.Question[0].Qtype == dns.TypeA {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600}, A: net.IPv4(192, 0, 2, 1)}}
		}
		w.WriteMsg(m)
	})}
	go s.ActivateAndServe()
	t.Cleanup(func() { s.Shutdown() })
	return netip.MustParseAddrPort(addr)
}

// startDaemon runs a resolver in the foreground and returns its pid; its
// output is shown if the test fails.
func startDaemon(t *testing.T, name string, args ...string) int {
	var out strings.Builder
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return cmd.Process.Pid
}

// waitAnswer waits (bounded) until a resolver answers.
func waitAnswer(t *testing.T, addr string) {
	server := net.JoinHostPort(addr, "53")
	q := new(dns.Msg).SetQuestion("host0.bench.example.", dns.TypeA)
	c := dns.Client{Timeout: 500 * time.Millisecond}
	for i := 0; i < 40; i++ {
		if r, _, err := c.Exchange(q, server); err == nil && len(r.Answer) == 1 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s does not answer", addr)
}

var (
	qpsLine = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	latLine = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
)

// dnsperf runs dnsperf for secs seconds and returns QPS and mean latency.
func dnsperf(t *testing.T, server, queries string, secs int) (qps, latency float64) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+20)*time.Second)
	defer cancel()
	family := "inet"
	if strings.Contains(server, ":") {
		family = "inet6"
	}
	out, err := exec.CommandContext(ctx, "dnsperf", "-f", family, "-s", server, "-d", queries, "-l", strconv.Itoa(secs), "-c", "4", "-q", "200").CombinedOutput()
	if err != nil {
		t.Fatalf("dnsperf %s: %v\n%s", server, err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if m := qpsLine.FindStringSubmatch(sc.Text()); m != nil {
			qps, _ = strconv.ParseFloat(m[1], 64)
		}
		if m := latLine.FindStringSubmatch(sc.Text()); m != nil {
			latency, _ = strconv.ParseFloat(m[1], 64)
		}
	}
	if qps == 0 {
		t.Fatalf("dnsperf %s: no result\n%s", server, out)
	}
	return qps, latency
}
