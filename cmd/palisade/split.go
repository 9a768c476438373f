package main

import (
	"fmt"
	"os/exec"
	"slices"

	"github.com/palisadevpn/palisade/service/settings"
)

// execCmd runs a command in the split tunnel's group: the service moves
// this process (identified by the kernel, not by anything sent), then the
// command replaces it, so it and its children start inside the group.
func (c *cli) execCmd(args []string) error {
	if len(args) < 3 || args[1] != "--" {
		return usagef("usage: palisade exec --bypass|--vpn-only -- COMMAND [ARGS...]")
	}
	var mode settings.SplitMode
	switch args[0] {
	case "--bypass":
		mode = settings.SplitBypass
	case "--vpn-only":
		mode = settings.SplitVPNOnly
	default:
		return usagef("unknown option %q: use --bypass or --vpn-only", args[0])
	}
	bin, err := exec.LookPath(args[2])
	if err != nil {
		return err
	}
	if err := c.client.SplitExec(c.ctx, mode); err != nil {
		return err
	}
	return replaceProcess(bin, args[2:])
}

// split manages the split tunnel's settings.
func (c *cli) split(args []string) error {
	if len(args) == 0 {
		return usagef("usage: palisade split mode off|bypass|vpn-only | dns direct|tunnel | add PATH | remove PATH | list")
	}
	s, err := c.client.Settings(c.ctx)
	if err != nil {
		return err
	}
	if args[0] == "list" {
		if len(args) != 1 {
			return usagef("usage: palisade split list")
		}
		printSplit(c, s.Split)
		return nil
	}
	if len(args) != 2 {
		return usagef("usage: palisade split %s VALUE", args[0])
	}
	if err := applySplit(&s.Split, args[0], args[1]); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	_, err = c.client.SetSettings(c.ctx, s)
	return err
}

// applySplit changes one split tunnel setting as typed by the user.
func applySplit(s *settings.Split, key, val string) error {
	switch key {
	case "mode":
		m, err := settings.ParseSplitMode(val)
		if err != nil {
			return err
		}
		s.Mode = m
		return nil
	case "dns":
		switch val {
		case "direct":
			s.TunnelDNS = false
		case "tunnel":
			s.TunnelDNS = true
		default:
			return fmt.Errorf("split dns %q: use direct (bypass programs ask the system's name servers) or tunnel", val)
		}
		return nil
	case "add", "remove":
		p, err := settings.ProgramPath(val)
		if err != nil {
			return err
		}
		i := slices.Index(s.Programs, p)
		if key == "add" {
			if i >= 0 {
				return fmt.Errorf("%s is already listed", p)
			}
			s.Programs = append(s.Programs, p)
			return nil
		}
		if i < 0 {
			return fmt.Errorf("%s is not listed", p)
		}
		s.Programs = slices.Delete(s.Programs, i, i+1)
		return nil
	}
	return fmt.Errorf("unknown split command %q: use mode, dns, add, remove or list", key)
}

func printSplit(c *cli, s settings.Split) {
	mode := s.Mode
	if mode == "" {
		mode = settings.SplitOff
	}
	dns := "direct (the system's name servers)"
	if s.TunnelDNS {
		dns = "through the tunnel"
	}
	fmt.Fprintf(c.out, "mode: %s\nbypass programs' DNS: %s\n", mode, dns)
	if len(s.Programs) == 0 {
		fmt.Fprintln(c.out, "programs: none")
		return
	}
	fmt.Fprintln(c.out, "programs:")
	for _, p := range s.Programs {
		fmt.Fprintf(c.out, "  %s\n", p)
	}
}
