package fakeservice

import (
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// T0 is the clock the fixtures are taken at.
var T0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// Connected is the dual-stack connected status used across the GUI's tests.
func Connected() ipc.Status {
	hs := T0.Add(-12 * time.Second)
	return ipc.Status{
		State:             ipc.Connected,
		Since:             T0.Add(-5 * time.Minute),
		Profile:           "work",
		Interface:         "palisade0",
		Addresses:         []string{"10.64.0.2/32", "fd64::2/128"},
		Endpoint:          "198.51.100.2:51820",
		LastHandshake:     &hs,
		RxBytes:           1 << 20,
		TxBytes:           1 << 18,
		TunnelIPv6:        true,
		KillSwitch:        settings.KillSwitchAuto,
		KillSwitchEngaged: true,
		DNS: ipc.DNSStatus{
			Mode:      settings.DNSTunnel,
			Resolvers: []string{"127.80.73.65", "fe80::80:73:65"},
			Upstreams: []string{"10.64.0.1", "fd64::1"},
		},
		CanControl: true,
	}
}

// Profiles are two stored profiles, "work" the last used.
func Profiles() []ipc.ProfileInfo {
	return []ipc.ProfileInfo{
		{Name: "home", Addresses: []string{"10.7.0.2/32"}, Endpoints: []string{"[2001:db8::1]:51820"}, Peers: 1},
		{Name: "work", Addresses: []string{"10.64.0.2/32", "fd64::2/128"}, Endpoints: []string{"198.51.100.2:51820"}, Peers: 1, LastUsed: true},
	}
}
