package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/palisadevpn/palisade/firewall"
	"github.com/palisadevpn/palisade/platform"
	"github.com/palisadevpn/palisade/platform/sysdns"
	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/settings"
)

// Options configure a daemon run.
type Options struct {
	Socket   string
	StateDir string
	Timing   Timing
	Log      *slog.Logger
	// NoFirewall runs without a packet filter backend (the kill switch is
	// then only computed, never installed); for hosts without one.
	NoFirewall bool
	// CgroupParent places the split tunnel's cgroups below this group of
	// the cgroup2 hierarchy instead of its root (tests keep theirs apart).
	CgroupParent string
	// SystemShutdown reports whether the service manager stops the service
	// because the system shuts down, where it says so itself (the SCM's
	// preshutdown or shutdown control); elsewhere the service asks at stop (askStopKind).
	SystemShutdown func() bool
}

// Run is the whole service: it recovers leftovers, applies the kill switch,
// serves the API until ctx ends, then tears down.
func Run(ctx context.Context, o Options) error {
	log := o.Log
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	env := Env{
		Log: log, StateDir: o.StateDir, Timing: o.Timing, Interface: DefaultInterface,
		Router:  platform.NewRouter(log, o.StateDir),
		DNS:     newLocalDNS(log, o.StateDir),
		Cleanup: func() error { return sysdns.RestoreLeftovers(log, o.StateDir) },
		StopKind: func() (StopKind, string) {
			if o.SystemShutdown != nil && o.SystemShutdown() {
				return StopSystem, "the service manager announced a system shutdown"
			}
			return askStopKind()
		},
	}
	if platform.SendsDNSToEveryAdapter {
		env.BlockOtherDNS = true
		log.Info("dns: port 53 is kept on the local resolver whenever a full tunnel is up: this OS asks every adapter's DNS servers")
	}
	if !o.NoFirewall {
		fw, err := firewall.New(log, o.StateDir)
		if err != nil {
			return fmt.Errorf("firewall backend: %w", err)
		}
		env.Firewall = fw
		bootBlock(log, o.StateDir, fw, platform.HasIPv6())
	}
	if groups, err := newSplitGroups(log, o.CgroupParent); err != nil {
		env.SplitUnavailable = err.Error()
		log.Info("split tunnel unavailable", "why", err)
	} else {
		env.Split = groups
		log.Info("split tunnel groups ready", "bypass", groups.Group(settings.SplitBypass), "vpn_only", groups.Group(settings.SplitVPNOnly))
	}
	if err := addPlatform(&env); err != nil {
		return err
	}
	pref64 := &pref64Source{log: log, routers: defaultRouters6(platform.ReadRoutes), held: heldNAT64}
	env.RAPrefixes = pref64.usable
	m, err := New(env)
	if err != nil {
		return err
	}
	defer m.Close()
	if stop, err := pref64.watch(routerOptions(log), m.NetworkChanged); err != nil {
		log.Info("NAT64 prefixes from router advertisements (PREF64) unavailable: DNS64 discovery only", "why", err)
	} else {
		defer stop()
	}
	stopWatch, err := watchNetwork(m, log)
	if err != nil {
		log.Warn("network monitor unavailable: LAN prefixes are refreshed only on state changes", "err", err)
	} else {
		defer stopWatch()
	}
	ln, err := auth.Listen(o.Socket)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Socket, err)
	}
	srv := NewServer(m, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("palisaded ready", "socket", o.Socket, "state_dir", o.StateDir)
	select {
	case <-ctx.Done():
		log.Info("palisaded stopping")
	case err = <-errc:
		log.Error("ipc server failed", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return err
}
