// Package bench measures palisaded against a plain wireguard-go client on
// the same test bed in the same run: throughput per family and connect time.
// It runs only from `make bench` (PALISADE_BENCH=1).
package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// sample is one round's measurement of one client: connect time, and per
// address family the throughput and the client process's CPU seconds per
// GB carried.
type sample struct {
	connect time.Duration
	mbps    map[int]float64
	cpuGB   map[int]float64
}

// setup is one of the compared clients: it connects and returns the pid
// whose CPU time the tunnel costs and the way to disconnect.
type setup struct {
	name    string
	connect func() (pid int, down func())
}

// TestTunnelBenchmark measures the clients round after round and reports
// medians. Single iperf3 runs on a small VM vary by ±20 %, and a client's
// position within a round alone shifts its result by up to 10 % (seen with
// the same client measured twice per round), so the order rotates every
// round: with a multiple of three rounds each client holds each position
// equally often.
func TestTunnelBenchmark(t *testing.T) {
	if os.Getenv("PALISADE_BENCH") != "1" {
		t.Skip("runs through `make bench` (PALISADE_BENCH=1)")
	}
	secs := envInt("PALISADE_BENCH_SECONDS", 5)
	rounds := envInt("PALISADE_BENCH_ROUNDS", 15)
	bin := os.Getenv("PALISADE_BIN")
	bed := testbed.New(t, testbed.Options{})
	p := startPalisaded(t, bed, bin)
	setups := []setup{
		{"plain", func() (int, func()) { down := bed.ConnectPlainClient(t); return bed.PlainClientPid(), down }},
		{"auto", func() (int, func()) { return p.connect(t, settings.KillSwitchAuto) }},
		{"off", func() (int, func()) { return p.connect(t, settings.KillSwitchOff) }},
	}
	results := map[string][]sample{}
	for r := range rounds {
		for k := range setups {
			s := setups[(r+k)%len(setups)]
			begin := time.Now()
			pid, down := s.connect()
			connect := time.Since(begin)
			results[s.name] = append(results[s.name], measure(t, bed, pid, secs, connect))
			down()
		}
		last := func(name string, fam int) float64 { return results[name][r].mbps[fam] }
		fmt.Printf("round %d: palisaded/plain IPv4 %.2f IPv6 %.2f; kill switch off/plain IPv4 %.2f IPv6 %.2f\n", r+1,
			last("auto", 4)/last("plain", 4), last("auto", 6)/last("plain", 6), last("off", 4)/last("plain", 4), last("off", 6)/last("plain", 6))
	}
	report(results, rounds, secs)
}

func report(results map[string][]sample, rounds, secs int) {
	plain, on, off := results["plain"], results["auto"], results["off"]
	fmt.Printf("\n%d rounds, %d s per iperf3 run. Values are medians; ratios are the geometric mean of the\n", rounds, secs)
	fmt.Printf("per-round ratios to plain wireguard-go, ± the half-width of their 95 %% confidence interval.\n")
	fmt.Printf("%-26s %10s %12s %12s %16s %12s\n", "measure", "palisaded", "plain wg-go", "ratio", "kill switch off", "ratio")
	row := func(label, unit string, f func(sample) float64) {
		fmt.Printf("%-26s %10s %12s %12s %16s %12s\n", label, fmt.Sprintf(unit, median(on, f)), fmt.Sprintf(unit, median(plain, f)),
			pairedRatio(on, plain, f), fmt.Sprintf(unit, median(off, f)), pairedRatio(off, plain, f))
	}
	for _, fam := range []int{4, 6} {
		row(fmt.Sprintf("iperf3 TCP IPv%d (Mbit/s)", fam), "%.0f", func(s sample) float64 { return s.mbps[fam] })
		row(fmt.Sprintf("  CPU s per GB, IPv%d", fam), "%.2f", func(s sample) float64 { return s.cpuGB[fam] })
	}
	row("connect → handshake (ms)", "%.0f", func(s sample) float64 { return float64(s.connect) / float64(time.Millisecond) })
}

// measure runs iperf3 for both families through the connected client.
func measure(t *testing.T, bed *testbed.Bed, pid, secs int, connect time.Duration) sample {
	s := sample{connect: connect, mbps: map[int]float64{}, cpuGB: map[int]float64{}}
	for _, fam := range []int{4, 6} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+20)*time.Second)
		before := cpuTime(t, pid)
		mbps, err := bed.Iperf(ctx, fam, secs)
		used := cpuTime(t, pid) - before
		cancel()
		if err != nil {
			t.Fatalf("iperf IPv%d: %v", fam, err)
		}
		s.mbps[fam] = mbps
		s.cpuGB[fam] = used.Seconds() / (mbps * float64(secs) / 8 / 1000)
	}
	return s
}

type palisaded struct {
	socket, bin string
	client      *ipc.Client
	daemon      *testbed.Daemon
}

func startPalisaded(t *testing.T, bed *testbed.Bed, bin string) *palisaded {
	p := &palisaded{socket: filepath.Join(t.TempDir(), "palisaded.sock"), bin: bin}
	p.daemon = bed.StartDaemon(t, filepath.Join(bin, "palisaded"), "run", "--socket", p.socket, "--state-dir", t.TempDir())
	p.client = ipc.NewClient(p.socket)
	deadline := time.Now().Add(15 * time.Second)
	for _, err := p.client.Status(context.Background()); err != nil; _, err = p.client.Status(context.Background()) {
		if time.Now().After(deadline) {
			t.Fatal("palisaded not answering")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := p.client.Import(context.Background(), "bench", bed.ProfileText(testbed.ProfileOptions{})); err != nil {
		t.Fatal(err)
	}
	return p
}

// connect connects with the kill switch in mode ks through the CLI, as a
// user would, and returns the daemon's pid and the way to disconnect.
func (p *palisaded) connect(t *testing.T, ks settings.KillSwitch) (int, func()) {
	ctx := context.Background()
	s, err := p.client.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.KillSwitch = ks
	if _, err := p.client.SetSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(p.bin, "palisade"), "--socket", p.socket, "connect", "bench", "--wait").CombinedOutput()
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	return p.daemon.Pid(), func() {
		if err := p.client.Disconnect(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func median(ss []sample, f func(sample) float64) float64 {
	var v []float64
	for _, s := range ss {
		v = append(v, f(s))
	}
	return medianOf(v)
}

// pairedRatio compares a with b round by round: the geometric mean of
// a/b over the rounds and the half-width of its 95 % confidence interval
// (Student's t on the log ratios).
func pairedRatio(a, b []sample, f func(sample) float64) string {
	var logs []float64
	for i := range min(len(a), len(b)) {
		logs = append(logs, math.Log(f(a[i])/f(b[i])))
	}
	n := float64(len(logs))
	var mean, ss float64
	for _, l := range logs {
		mean += l / n
	}
	for _, l := range logs {
		ss += (l - mean) * (l - mean)
	}
	if len(logs) < 2 {
		return fmt.Sprintf("%.2f", math.Exp(mean))
	}
	half := tCrit(len(logs)-1) * math.Sqrt(ss/(n-1)/n)
	return fmt.Sprintf("%.2f ±%.2f", math.Exp(mean), math.Exp(mean)*(math.Exp(half)-1))
}

// tCrit is Student's t for a two-sided 95 % interval with df degrees of
// freedom.
func tCrit(df int) float64 {
	table := []float64{12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13}
	if df <= len(table) {
		return table[df-1]
	}
	return 2.09 // df 20; close enough for more rounds
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}

func TestPairedRatio(t *testing.T) {
	mk := func(v ...float64) []sample {
		var ss []sample
		for _, x := range v {
			ss = append(ss, sample{mbps: map[int]float64{4: x}})
		}
		return ss
	}
	f := func(s sample) float64 { return s.mbps[4] }
	if got := pairedRatio(mk(90, 180, 45), mk(100, 200, 50), f); got != "0.90 ±0.00" {
		t.Errorf("constant ratio: got %q", got)
	}
	// Ratios 0.5 and 2: geometric mean 1, and a wide interval.
	if got := pairedRatio(mk(50, 200), mk(100, 100), f); !strings.HasPrefix(got, "1.00 ±") || got == "1.00 ±0.00" {
		t.Errorf("spread ratios: got %q", got)
	}
}
