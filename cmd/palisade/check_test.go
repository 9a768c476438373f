package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

func TestPrintCheck(t *testing.T) {
	var b bytes.Buffer
	printCheck(&b, ipc.CheckReport{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), State: ipc.Connected, Items: []ipc.CheckItem{
		{ID: ipc.CheckRoute4, Title: "IPv4 route", Status: ipc.CheckOK, Detail: "Public IPv4 goes through the tunnel."},
		{ID: ipc.CheckDNS, Title: "DNS", Status: ipc.CheckFail, Detail: "System DNS points elsewhere."},
		{ID: ipc.CheckFirewall, Title: "Firewall", Status: ipc.CheckTimeout, Detail: "The firewall rules could not be read."},
	}})
	want := "self-check at 2026-01-02 03:04:05 (connected)\n" +
		"OK       IPv4 route  Public IPv4 goes through the tunnel.\n" +
		"FAIL     DNS         System DNS points elsewhere.\n" +
		"TIMEOUT  Firewall    The firewall rules could not be read.\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestSetCheckSettings(t *testing.T) {
	s := settings.Default()
	if err := applySetting(&s, "check-outside", []string{"on"}); err != nil || !s.Check.Outside {
		t.Fatalf("check-outside on: %v %+v", err, s.Check)
	}
	if err := applySetting(&s, "check-url", []string{"https://ip.example.net/"}); err != nil || s.Check.URL != "https://ip.example.net/" {
		t.Fatalf("check-url: %v %+v", err, s.Check)
	}
	if err := applySetting(&s, "check-url", []string{"gopher://x/"}); err == nil || !strings.Contains(err.Error(), "http://") {
		t.Errorf("bad check-url: %v", err)
	}
}
