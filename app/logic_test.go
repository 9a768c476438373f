package app

import (
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/app/internal/fakeservice"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestCheckDNS(t *testing.T) {
	c := CheckDNS([]string{"1.1.1.1", "2606:4700:4700::1111", "1.1.1.300", "", "1.1.1.1"}, settings.DNSCustom)
	if c.OK() {
		t.Fatal("invalid list accepted")
	}
	if c.Errors[0] != "" || c.Errors[1] != "" || c.Errors[3] != "" {
		t.Errorf("valid entries marked: %q", c.Errors)
	}
	if !strings.Contains(c.Errors[2], "1.1.1.300") || !strings.Contains(c.Errors[4], "already entry 1") {
		t.Errorf("errors = %q", c.Errors)
	}
	ok := CheckDNS([]string{" 2606:4700:4700::1111 ", "9.9.9.9"}, settings.DNSCustom)
	if !ok.OK() || strings.Join(ok.Servers, ",") != "2606:4700:4700::1111,9.9.9.9" {
		t.Errorf("valid list: %+v", ok)
	}
	for _, bad := range []string{"fe80::1%eth0", "::", "ff02::1", "0.0.0.0", "dns.google"} {
		if CheckDNS([]string{bad}, settings.DNSCustom).OK() {
			t.Errorf("%q accepted", bad)
		}
	}
	if CheckDNS([]string{""}, settings.DNSCustom).OK() {
		t.Error("custom mode without servers accepted")
	}
	if !CheckDNS(nil, settings.DNSTunnel).OK() {
		t.Error("tunnel mode without custom servers refused")
	}
	if CheckDNS([]string{"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "::1"}, settings.DNSCustom).OK() {
		t.Error("five servers accepted")
	}
}

func TestRateMeter(t *testing.T) {
	var m RateMeter
	if _, _, ok := m.Sample(fakeservice.T0, 1000, 500); ok {
		t.Error("first sample gave a rate")
	}
	rx, tx, ok := m.Sample(fakeservice.T0.Add(2*time.Second), 5000, 2500)
	if !ok || rx != 2000 || tx != 1000 {
		t.Errorf("rates = %v %v %v, want 2000 1000", rx, tx, ok)
	}
	if _, _, ok := m.Sample(fakeservice.T0.Add(2100*time.Millisecond), 6000, 2600); ok {
		t.Error("samples 100 ms apart gave a rate")
	}
	if _, _, ok := m.Sample(fakeservice.T0.Add(4*time.Second), 10, 10); ok {
		t.Error("counters going backwards gave a rate")
	}
	rx, _, ok = m.Sample(fakeservice.T0.Add(5*time.Second), 1010, 10)
	if !ok || rx != 1000 {
		t.Errorf("after reset rx = %v %v", rx, ok)
	}
}

func TestFormatRate(t *testing.T) {
	cases := map[float64]string{0: "< 1 kB/s", 32: "< 1 kB/s", 999: "< 1 kB/s", 1000: "1.0 kB/s", 1500: "1.5 kB/s",
		250e3: "250 kB/s", 12.34e6: "12.3 MB/s", 3e9: "3.0 GB/s"}
	for in, want := range cases {
		if got := FormatRate(in); got != want {
			t.Errorf("FormatRate(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	cases := map[uint64]string{0: "< 1 kB", 999: "< 1 kB", 1000: "1 kB", 12_345: "12 kB", 12_377: "12 kB",
		999_999: "999 kB", 1_000_000: "1.0 MB", 48 << 20: "50.3 MB", 3_000_000_000: "3.0 GB"}
	for in, want := range cases {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%v) = %q, want %q", in, got, want)
		}
	}
}
