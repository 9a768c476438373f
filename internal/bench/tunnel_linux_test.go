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
	"strconv"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/internal/testbed"
	"github.com/palisadevpn/palisade/service/ipc"
)

type result struct {
	connect time.Duration
	mbps    map[int]float64
}

func TestTunnelBenchmark(t *testing.T) {
	if os.Getenv("PALISADE_BENCH") != "1" {
		t.Skip("runs through `make bench` (PALISADE_BENCH=1)")
	}
	secs, _ := strconv.Atoi(os.Getenv("PALISADE_BENCH_SECONDS"))
	if secs <= 0 {
		secs = 5
	}
	bin := os.Getenv("PALISADE_BIN")
	bed := testbed.New(t, testbed.Options{})

	var plain result
	begin := time.Now()
	down := bed.ConnectPlainClient(t)
	plain.connect = time.Since(begin)
	plain.mbps = iperfBoth(t, bed, secs)
	down()

	var pal result
	socket := filepath.Join(t.TempDir(), "palisaded.sock")
	bed.StartDaemon(t, filepath.Join(bin, "palisaded"), "run", "--socket", socket, "--state-dir", t.TempDir())
	client := ipc.NewClient(socket)
	deadline := time.Now().Add(15 * time.Second)
	for _, err := client.Status(context.Background()); err != nil; _, err = client.Status(context.Background()) {
		if time.Now().After(deadline) {
			t.Fatal("palisaded not answering")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := client.Import(context.Background(), "bench", bed.ProfileText(testbed.ProfileOptions{})); err != nil {
		t.Fatal(err)
	}
	begin = time.Now()
	out, err := exec.Command(filepath.Join(bin, "palisade"), "--socket", socket, "connect", "bench", "--wait").CombinedOutput()
	pal.connect = time.Since(begin)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, out)
	}
	pal.mbps = iperfBoth(t, bed, secs)

	fmt.Printf("\n%-28s %14s %14s %8s\n", "measure", "palisaded", "plain wg-go", "ratio")
	for _, fam := range []int{4, 6} {
		fmt.Printf("%-28s %14.0f %14.0f %8.2f\n", fmt.Sprintf("iperf3 TCP IPv%d (Mbit/s)", fam), pal.mbps[fam], plain.mbps[fam], pal.mbps[fam]/plain.mbps[fam])
	}
	fmt.Printf("%-28s %14s %14s %8.2f\n", "connect → handshake", pal.connect.Round(time.Millisecond), plain.connect.Round(time.Millisecond), float64(pal.connect)/float64(plain.connect))
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
