package testbed

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// iperfPort is where Iperf's server listens on internet.
const iperfPort = "5201"

// Iperf measures TCP throughput from the client to internet over family 4 or
// 6 for seconds, with iperf3, and returns the receiver's Mbit/s. It uses
// whatever path the client's routes choose, so the same call measures a
// plain client or palisaded.
func (b *Bed) Iperf(ctx context.Context, family int, seconds int) (mbps float64, err error) {
	return b.IperfAt(ctx, family, seconds, 0)
}

// IperfAt is Iperf at a target bitrate (Mbit/s; 0 for as fast as it goes),
// for a steady stream of traffic rather than a measure of throughput.
func (b *Bed) IperfAt(ctx context.Context, family, seconds, mbit int) (mbps float64, err error) {
	target := InternetIPv4
	switch family {
	case 4:
	case 6:
		target = InternetIPv6
	default:
		return 0, fmt.Errorf("iperf: family %d is not 4 or 6", family)
	}
	if _, err := exec.LookPath("iperf3"); err != nil {
		return 0, errors.New("iperf3 not found; run scripts/deps.sh")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(seconds)*time.Second+20*time.Second)
	defer cancel()
	srv, err := startProc(filepath.Join(b.dir, "iperf3-server.log"), "ip", "netns", "exec",
		b.Namespace(RoleInternet), "iperf3", "-s", "-1", "-B", target.String(), "-p", iperfPort)
	if err != nil {
		return 0, err
	}
	defer srv.kill()
	client := []string{"ip", "netns", "exec", b.Namespace(RoleClient), "iperf3", "-J",
		"-c", target.String(), "-p", iperfPort, "-t", strconv.Itoa(seconds), "--connect-timeout", "1000"}
	if mbit > 0 {
		client = append(client, "-b", strconv.Itoa(mbit)+"M")
	}
	// The server needs a moment to listen; retry only refused connections.
	for range 20 {
		out, runErr := exec.CommandContext(ctx, client[0], client[1:]...).Output()
		mbps, err = parseIperf(out)
		if err == nil {
			return mbps, nil
		}
		if !strings.Contains(err.Error(), "unable to connect") {
			return 0, errors.Join(err, runErr)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("iperf: server never accepted: %w", err)
}
