//go:build linux

// Command peer is the install test's far side, copied into the container:
//
//	peer serve CONF   run a WireGuard server (wireguard-go on TUN wgs) from
//	                  a wg setconf file, give it the bed's tunnel addresses,
//	                  answer DNS on them with the tunnel zone and on the
//	                  host's own addresses with the public zone; runs until
//	                  SIGTERM
//	peer dig SERVER NAME TYPE
//	                  ask SERVER (an address, IPv6 with %zone allowed) over
//	                  UDP and print the answers' addresses, one a line
//	peer probe        send TCP, UDP, ICMP and DNS of both families to the
//	                  internet host and the ISP's name servers without
//	                  pause, until SIGTERM (probe.go)
//
// It is built static so it runs on whatever the container has.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/palisadevpn/palisade/internal/testbed"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "serve":
		err = serve(os.Args[2])
	case len(os.Args) == 5 && os.Args[1] == "dig":
		err = dig(os.Args[2], os.Args[3], os.Args[4])
	case len(os.Args) == 2 && os.Args[1] == "probe":
		err = probe()
	default:
		err = errors.New("usage: peer serve CONF | peer dig SERVER NAME TYPE | peer probe")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

const ifname = "wgs"

func serve(confPath string) error {
	conf, err := os.ReadFile(confPath)
	if err != nil {
		return err
	}
	uapi, err := toUAPI(string(conf))
	if err != nil {
		return err
	}
	t, err := tun.CreateTUN(ifname, device.DefaultMTU)
	if err != nil {
		return err
	}
	dev := device.NewDevice(t, conn.NewDefaultBind(), device.NewLogger(device.LogLevelError, "peer: "))
	defer dev.Close()
	if err := dev.IpcSet(uapi); err != nil {
		return err
	}
	if err := dev.Up(); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"addr", "add", testbed.TunnelServerIPv4.String() + "/24", "dev", ifname},
		{"addr", "add", testbed.TunnelServerIPv6.String() + "/64", "dev", ifname, "nodad"},
		{"link", "set", ifname, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	for _, l := range []struct {
		addr   netip.Addr
		tunnel bool
	}{
		{testbed.TunnelServerIPv4, true}, {testbed.TunnelServerIPv6, true},
		{testbed.ServerIPv4, false}, {testbed.ServerIPv6, false},
	} {
		pc, err := net.ListenPacket("udp", netip.AddrPortFrom(l.addr, testbed.DNSPort).String())
		if err != nil {
			return err
		}
		go (&dns.Server{PacketConn: pc, Handler: testbed.DNSHandler(l.tunnel)}).ActivateAndServe()
	}
	fmt.Println("peer: serving")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	return nil
}

// toUAPI turns a wg setconf file with one peer into wireguard-go's
// configuration protocol (hex keys, one allowed_ip a line).
func toUAPI(conf string) (string, error) {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(conf))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "PrivateKey", "PublicKey":
			raw, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(raw) != 32 {
				return "", fmt.Errorf("bad %s", k)
			}
			name := "private_key"
			if k == "PublicKey" {
				name = "public_key"
			}
			fmt.Fprintf(&b, "%s=%s\n", name, hex.EncodeToString(raw))
		case "ListenPort":
			fmt.Fprintf(&b, "listen_port=%s\n", v)
		case "AllowedIPs":
			for _, p := range strings.Split(v, ",") {
				fmt.Fprintf(&b, "allowed_ip=%s\n", strings.TrimSpace(p))
			}
		}
	}
	return b.String(), sc.Err()
}

func dig(server, name, qtype string) error {
	t, ok := dns.StringToType[strings.ToUpper(qtype)]
	if !ok {
		return fmt.Errorf("unknown type %q", qtype)
	}
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), t)
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, net.JoinHostPort(server, "53"))
	if err != nil {
		return err
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return fmt.Errorf("%s %s from %s: %s, %d answers", name, qtype, server, dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	for _, rr := range r.Answer {
		switch a := rr.(type) {
		case *dns.A:
			fmt.Println(a.A)
		case *dns.AAAA:
			fmt.Println(a.AAAA)
		}
	}
	return nil
}
