package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/palisadevpn/palisade/service/settings"
)

func (c *cli) set(args []string) error {
	if len(args) < 2 {
		return usagef("usage: palisade set killswitch|allow-lan|ipv6|dns|reconnect-on-start|check-outside|check-url VALUE...")
	}
	// A bad value is refused before the service is asked anything, so it
	// is reported the same whether the service runs or not.
	check := settings.Default()
	if err := applySetting(&check, args[0], args[1:]); err != nil {
		return usageError{err.Error()}
	}
	s, err := c.client.Settings(c.ctx)
	if err != nil {
		return err
	}
	if err := applySetting(&s, args[0], args[1:]); err != nil {
		return err
	}
	_, err = c.client.SetSettings(c.ctx, s)
	return err
}

// applySetting changes one setting as typed on the command line, validating
// it before anything is sent.
func applySetting(s *settings.Settings, key string, vals []string) error {
	var err error
	one := func() (string, error) {
		if len(vals) != 1 {
			return "", fmt.Errorf("%s takes exactly one value, got %d", key, len(vals))
		}
		return vals[0], nil
	}
	var v string
	switch key {
	case "killswitch", "kill-switch":
		if v, err = one(); err == nil {
			s.KillSwitch, err = settings.ParseKillSwitch(v)
		}
	case "allow-lan":
		if v, err = one(); err == nil {
			s.AllowLAN, err = onOff(key, v)
		}
	case "ipv6":
		if v, err = one(); err == nil {
			s.IPv6, err = onOff(key, v)
		}
	case "check-outside":
		if v, err = one(); err == nil {
			s.Check.Outside, err = onOff(key, v)
		}
	case "check-url":
		if v, err = one(); err == nil {
			s.Check.URL = v
		}
	case "reconnect-on-start":
		if v, err = one(); err == nil {
			s.ReconnectOnStart, err = onOff(key, v)
		}
	case "dns":
		var mode settings.DNSMode
		if mode, err = settings.ParseDNSMode(vals[0]); err != nil {
			return err
		}
		s.DNS.Mode = mode
		if mode == settings.DNSCustom || (mode == settings.DNSHandshake && len(vals) > 1) {
			if _, err = settings.ParseDNSServers(vals[1:]); err != nil {
				return err
			}
			if mode == settings.DNSCustom {
				s.DNS.Custom = vals[1:]
			} else {
				s.DNS.Handshake = vals[1:]
			}
		} else if len(vals) > 1 {
			return fmt.Errorf("dns %s takes no addresses", mode)
		}
	default:
		return fmt.Errorf("unknown setting %q: use killswitch, allow-lan, ipv6, dns, reconnect-on-start, check-outside or check-url", key)
	}
	if err != nil {
		return err
	}
	return s.Validate()
}

// showSettings prints the settings, labelled with the words 'palisade
// set' takes; --json prints the form of the settings file.
func (c *cli) showSettings(args []string) error {
	asJSON, err := boolFlagOnly("settings", "json", args)
	if err != nil {
		return err
	}
	s, err := c.client.Settings(c.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(c.out, s)
	}
	printSettings(c.out, s)
	return nil
}

func printSettings(w io.Writer, s settings.Settings) {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	dns := string(s.DNS.Mode)
	switch s.DNS.Mode {
	case settings.DNSCustom:
		dns += " " + strings.Join(s.DNS.Custom, " ")
	case settings.DNSHandshake:
		if len(s.DNS.Handshake) == 0 {
			dns += " (the built-in servers)"
		} else {
			dns += " " + strings.Join(s.DNS.Handshake, " ")
		}
	}
	url := s.Check.URL
	if url == "" {
		url = settings.DefaultCheckURL + " (the default)"
	}
	split := string(s.Split.Mode)
	if split == "" {
		split = string(settings.SplitOff)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range [][2]string{
		{"killswitch", string(s.KillSwitch)},
		{"allow-lan", onOff(s.AllowLAN)},
		{"ipv6", onOff(s.IPv6)},
		{"dns", dns},
		{"reconnect-on-start", onOff(s.ReconnectOnStart)},
		{"check-outside", onOff(s.Check.Outside)},
		{"check-url", url},
		{"split", split + ", " + programCount(len(s.Split.Programs)) + " ('palisade split list')"},
		{"launch at login", onOff(s.LaunchAtLogin) + " (tray app setting)"},
		{"notifications", onOff(s.Notifications) + " (tray app setting)"},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
}
