package tunnel

import (
	"context"
	"fmt"
	"log/slog"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/palisadevpn/palisade/platform"
)

// DefaultMTU is used when the profile sets none (the value the router also
// sets as the interface's NL MTU).
const DefaultMTU = platform.DefaultMTU

// Device is a running wireguard-go device on a real TUN.
type Device struct {
	name string
	tun  tun.Device
	dev  *device.Device
}

// Create makes the TUN interface, starts wireguard-go on it and configures
// it. The interface is brought up at the WireGuard level; its addresses and
// routes are the platform layer's job.
func Create(cfg Config, log *slog.Logger) (*Device, error) {
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = DefaultMTU
	}
	t, err := createTUN(cfg.Name, mtu)
	if err != nil {
		return nil, fmt.Errorf("create TUN %s: %w", cfg.Name, err)
	}
	name, err := t.Name()
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("TUN name: %w", err)
	}
	wl := log.With("component", "wireguard")
	// wireguard-go logs every handshake and keepalive verbosely; skip the
	// formatting unless debug logging is on.
	verbose := device.DiscardLogf
	if wl.Enabled(context.Background(), slog.LevelDebug) {
		verbose = func(format string, args ...any) { wl.Debug(fmt.Sprintf(format, args...)) }
	}
	logger := &device.Logger{
		Verbosef: verbose,
		Errorf:   func(format string, args ...any) { wl.Warn(fmt.Sprintf(format, args...)) },
	}
	dev := device.NewDevice(t, conn.NewDefaultBind(), logger)
	if err := dev.IpcSet(cfg.UAPI()); err != nil {
		dev.Close()
		return nil, fmt.Errorf("configure WireGuard: %w", err)
	}
	if err := dev.Up(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("WireGuard up: %w", err)
	}
	return &Device{name: name, tun: t, dev: dev}, nil
}

// Name returns the interface name the OS gave the TUN.
func (d *Device) Name() string { return d.name }

// Reconfigure replaces the peers (and so re-resolves endpoints and restarts
// handshakes) without touching the interface.
func (d *Device) Reconfigure(cfg Config) error {
	return d.dev.IpcSet(cfg.UAPI())
}

// SetMTU changes the running tunnel's MTU: the interface's, then
// wireguard-go's where the OS does not tell it.
func (d *Device) SetMTU(mtu int) error {
	if err := platform.SetTunnelMTU(d.name, mtu); err != nil {
		return err
	}
	forceMTU(d.tun, mtu)
	return nil
}

// Stats reads the current peer statistics.
func (d *Device) Stats() (Stats, error) {
	s, err := d.dev.IpcGet()
	if err != nil {
		return Stats{}, err
	}
	return ParseStats(s)
}

// Close stops the device and removes the TUN interface.
func (d *Device) Close() {
	d.dev.Close()
}
