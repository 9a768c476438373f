// Package bench measures palisaded against a plain wireguard-go client on
// the same test bed in the same run: throughput per family and connect time.
// It runs only from `make bench` (PALISADE_BENCH=1).
package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// sample is one round's measurement of one client.
type sample struct {
	connect time.Duration
	mbps    map[int]float64
}

// TestTunnelBenchmark alternates the clients for several rounds and reports
// medians, because single iperf3 runs on a small VM vary by ±20 %.
func TestTunnelBenchmark(t *testing.T) {
	if os.Getenv("PALISADE_BENCH") != "1" {
		t.Skip("runs through `make bench` (PALISADE_BENCH=1)")
	}
	secs := envInt("PALISADE_BENCH_SECONDS", 5)
	rounds := envInt("PALISADE_BENCH_ROUNDS", 3)
	bin := os.Getenv("PALISADE_BIN")
	bed := testbed.New(t, testbed.Options{})
	p := startPalisaded(t, bed, bin)

	results := map[string][]sample{}
	for r := 0; r < rounds; r++ {
		begin := time.Now()
		down := bed.ConnectPlainClient(t)
		results["plain"] = append(results["plain"], sample{time.Since(begin), iperfBoth(t, bed, secs)})
		down()
		for _, ks := range []settings.KillSwitch{settings.KillSwitchAuto, settings.KillSwitchOff} {
			results[string(ks)] = append(results[string(ks)], p.measure(t, bed, ks, secs))
		}
	}

	fmt.Printf("\nmedians of %d rounds, %d s per iperf3 run\n", rounds, secs)
	fmt.Printf("%-26s %12s %12s %7s %16s %7s\n", "measure", "palisaded", "plain wg-go", "ratio", "kill switch off", "ratio")
	for _, fam := range []int{4, 6} {
		pl, on, off := median(results["plain"], fam), median(results["auto"], fam), median(results["off"], fam)
		fmt.Printf("%-26s %12.0f %12.0f %7.2f %16.0f %7.2f\n", fmt.Sprintf("iperf3 TCP IPv%d (Mbit/s)", fam), on, pl, on/pl, off, off/pl)
	}
	pc, oc := medianConnect(results["plain"]), medianConnect(results["auto"])
	fmt.Printf("%-26s %12s %12s %7.2f\n", "connect → handshake", oc.Round(time.Millisecond), pc.Round(time.Millisecond), float64(oc)/float64(pc))
}

type palisaded struct {
	socket, bin string
	client      *ipc.Client
}

func startPalisaded(t *testing.T, bed *testbed.Bed, bin string) *palisaded {
	p := &palisaded{socket: filepath.Join(t.TempDir(), "palisaded.sock"), bin: bin}
	bed.StartDaemon(t, filepath.Join(bin, "palisaded"), "run", "--socket", p.socket, "--state-dir", t.TempDir())
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

// measure connects with the kill switch in mode ks, runs iperf3 and
// disconnects again.
func (p *palisaded) measure(t *testing.T, bed *testbed.Bed, ks settings.KillSwitch, secs int) sample {
	ctx := context.Background()
	s, err := p.client.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.KillSwitch = ks
	if _, err := p.client.SetSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	out, err := exec.Command(filepath.Join(p.bin, "palisade"), "--socket", p.socket, "connect", "bench", "--wait").CombinedOutput()
	connect := time.Since(begin)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	mbps := iperfBoth(t, bed, secs)
	if err := p.client.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	return sample{connect, mbps}
}

func iperfBoth(t *testing.T, bed *testbed.Bed, secs int) map[int]float64 {
	out := map[int]float64{}
	for _, fam := range []int{4, 6} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs+20)*time.Second)
		mbps, err := bed.Iperf(ctx, fam, secs)
		cancel()
		if err != nil {
			t.Fatalf("iperf IPv%d: %v", fam, err)
		}
		out[fam] = mbps
	}
	return out
}

func median(ss []sample, fam int) float64 {
	var v []float64
	for _, s := range ss {
		v = append(v, s.mbps[fam])
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func medianConnect(ss []sample) time.Duration {
	var v []time.Duration
	for _, s := range ss {
		v = append(v, s.connect)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil && n > 0 {
		return n
	}
	return def
}
