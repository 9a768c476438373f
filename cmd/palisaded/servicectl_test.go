package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	kservice "github.com/kardianos/service"

	"github.com/palisadevpn/palisade/installer"
)

func TestSvcOptions(t *testing.T) {
	const exe = "/usr/bin/palisaded"
	unit, err := installer.SystemdUnit(exe)
	if err != nil {
		t.Fatal(err)
	}
	plist, err := installer.LaunchdPlist(exe)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		goos string
		name string
		want map[string]any
	}{
		{"linux", "palisaded", map[string]any{"SystemdScript": unit, "Restart": "always"}},
		{"darwin", installer.LaunchdLabel, map[string]any{"LaunchdConfig": plist, "KeepAlive": true, "RunAtLoad": true}},
		{"windows", "palisaded", map[string]any{"OnFailure": "restart", "DelayedAutoStart": false, "StartType": "automatic"}},
	}
	for _, tt := range tests {
		if got := svcName(tt.goos); got != tt.name {
			t.Errorf("%s: svcName = %q, want %q", tt.goos, got, tt.name)
		}
		opts, err := svcOptions(tt.goos, exe)
		if err != nil {
			t.Fatalf("%s: %v", tt.goos, err)
		}
		for k, v := range tt.want {
			if opts[k] != v {
				t.Errorf("%s: option %s = %v, want %v", tt.goos, k, opts[k], v)
			}
		}
	}
	// Windows starts palisaded after the filtering engine and the network
	// stack; the others order it in the unit or plist.
	if got := svcDependencies("windows"); !slices.Equal(got, []string{"BFE", "Nsi", "TcpIp"}) {
		t.Errorf("windows dependencies %v", got)
	}
	for _, goos := range []string{"linux", "darwin"} {
		if got := svcDependencies(goos); got != nil {
			t.Errorf("%s dependencies %v", goos, got)
		}
	}
	if _, err := svcOptions("linux", "relative/palisaded"); err == nil {
		t.Error("svcOptions accepted a relative binary path")
	}
}

func TestSvcServiceConfig(t *testing.T) {
	cfg, err := serviceConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != svcName(runtime.GOOS) || cfg.DisplayName != "Palisade VPN service" {
		t.Errorf("name %q / %q", cfg.Name, cfg.DisplayName)
	}
	if !slices.Equal(cfg.Arguments, []string{"run"}) {
		t.Errorf("arguments %q, want [run]", cfg.Arguments)
	}
	if !filepath.IsAbs(cfg.Executable) {
		t.Errorf("executable %q is not absolute", cfg.Executable)
	}
	if _, err := os.Stat(cfg.Executable); err != nil {
		t.Errorf("executable: %v", err)
	}
	if runtime.GOOS == "linux" {
		want, _ := installer.SystemdUnit(cfg.Executable)
		if cfg.Option["SystemdScript"] != want {
			t.Error("the unit kardianos would install differs from the installer's")
		}
	}
}

func TestSvcStatusText(t *testing.T) {
	tests := []struct {
		st   kservice.Status
		err  error
		want string
	}{
		{kservice.StatusRunning, nil, "running"},
		{kservice.StatusStopped, nil, "stopped"},
		{kservice.StatusUnknown, kservice.ErrNotInstalled, "not installed"},
		{kservice.StatusUnknown, nil, "unknown"},
	}
	for _, tt := range tests {
		if got := svcStatusText(tt.st, tt.err); got != tt.want {
			t.Errorf("svcStatusText(%v, %v) = %q, want %q", tt.st, tt.err, got, tt.want)
		}
	}
}

// svcManaged runs runManaged in the background and returns its result channel.
func svcManaged(run func(ctx context.Context) error) <-chan error {
	res := make(chan error, 1)
	go func() {
		res <- runManaged(func(ctx context.Context, _ func() bool) error { return run(ctx) })
	}()
	return res
}

func svcWaitResult(t *testing.T, res <-chan error) error {
	t.Helper()
	select {
	case err := <-res:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("runManaged did not return")
		return nil
	}
}

func TestSvcRunManagedReturnsRunError(t *testing.T) {
	boom := errors.New("boom")
	err := svcWaitResult(t, svcManaged(func(context.Context) error { return boom }))
	if !errors.Is(err, boom) {
		t.Fatalf("runManaged = %v, want %v", err, boom)
	}
}

func TestRefusePackaged(t *testing.T) {
	dir := t.TempDir()
	vendor := filepath.Join(dir, "usr-lib", installer.SystemdUnitName)
	paths := []string{vendor, filepath.Join(dir, "lib", installer.SystemdUnitName)}
	for _, action := range []string{"install", "uninstall"} {
		if err := refusePackaged(action, paths); err != nil {
			t.Errorf("%s without a packaged unit: %v", action, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(vendor), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vendor, []byte("[Unit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := refusePackaged("install", paths)
	if err == nil || !strings.Contains(err.Error(), vendor) || !strings.Contains(err.Error(), "package") {
		t.Errorf("install with a packaged unit: %v, want a refusal naming %s", err, vendor)
	}
}
