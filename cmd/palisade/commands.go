package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
)

func (c *cli) status(args []string) error {
	asJSON, err := boolFlagOnly("status", "json", args)
	if err != nil {
		return err
	}
	st, err := c.client.Status(c.ctx)
	if unreachable(err) {
		return c.statusDown(err, *asJSON)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(c.out, st)
	}
	printStatus(c.out, st)
	return nil
}

func printStatus(w io.Writer, st ipc.Status) {
	state := string(st.State)
	if r := st.ResolvingText(); r != "" {
		state += ", " + r
	}
	fmt.Fprintf(w, "state:       %s (since %s)\n", state, st.Since.Local().Format(time.TimeOnly))
	if st.Profile != "" {
		fmt.Fprintf(w, "profile:     %s\n", st.Profile)
	}
	if st.Interface != "" {
		fmt.Fprintf(w, "interface:   %s %s\n", st.Interface, strings.Join(st.Addresses, " "))
	}
	if st.MTU > 0 {
		fmt.Fprintf(w, "mtu:         %d (%s)\n", st.MTU, st.MTUWhy)
	}
	if st.Endpoint != "" {
		fmt.Fprintf(w, "endpoint:    %s\n", st.EndpointText())
	}
	if st.LastHandshake != nil {
		fmt.Fprintf(w, "handshake:   %s ago\n", time.Since(*st.LastHandshake).Round(time.Second))
		fmt.Fprintf(w, "transfer:    %d B received, %d B sent\n", st.RxBytes, st.TxBytes)
	}
	if st.Routing != "" {
		fmt.Fprintf(w, "routing:     %s\n", st.Routing)
	}
	fmt.Fprintf(w, "kill switch: %s\n", killSwitchText(st))
	switch st.Split {
	case settings.SplitBypass:
		fmt.Fprintf(w, "split:       bypass, %s (they skip the tunnel and the kill switch)\n", programCount(st.SplitPrograms))
	case settings.SplitVPNOnly:
		fmt.Fprintf(w, "split:       vpn-only, %s (only they use the tunnel)\n", programCount(st.SplitPrograms))
	}
	fmt.Fprintf(w, "dns:         %s\n", dnsText(st.DNS))
	if st.DNS.Warning != "" {
		fmt.Fprintf(w, "warning:     %s\n", st.DNS.Warning)
	}
	if st.LastError != "" {
		fmt.Fprintf(w, "last error:  %s\n", st.LastError)
	}
}

// killSwitchText says the mode and whether it blocks right now, in the
// settings pane's words.
func killSwitchText(st ipc.Status) string {
	switch {
	case st.KillSwitchEngaged:
		return string(st.KillSwitch) + ", engaged: traffic outside the tunnel is blocked"
	case st.KillSwitch == settings.KillSwitchAuto:
		return "auto, not engaged (engages once connected, until you disconnect)"
	}
	return string(st.KillSwitch) + ", not engaged"
}

// dnsText says which servers answer and how the system was pointed at the
// local resolver that forwards to them.
func dnsText(d ipc.DNSStatus) string {
	if d.Mode == settings.DNSExisting {
		return "existing (the system's own servers; Palisade leaves DNS alone)"
	}
	t := string(d.Mode)
	if len(d.Upstreams) > 0 {
		t += ": " + strings.Join(d.Upstreams, ", ")
	}
	switch d.Manager {
	case "":
	case "file":
		t += " (system DNS set in /etc/resolv.conf)"
	default:
		t += " (system DNS set through " + d.Manager + ")"
	}
	return t
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) connect(args []string) error {
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	wait := fs.Bool("wait", false, "wait until connected or failed")
	timeout := fs.Duration("timeout", 60*time.Second, "how long --wait waits, a duration such as 30s or 2m")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("connect takes at most one profile name, got %d", len(pos))
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	if err := c.client.Connect(c.ctx, name); err != nil {
		err = withHint(err, http.StatusPreconditionFailed, "name it: palisade connect NAME")
		return withHint(err, http.StatusNotFound, "'palisade profile list' shows the stored profiles")
	}
	if !*wait {
		return nil
	}
	return c.waitConnected(*timeout)
}

// withHint adds a hint line to the service's answer of the given HTTP
// status: the service words the error for every client, the CLI knows
// which command fixes it.
func withHint(err error, status int, hint string) error {
	var ae *ipc.APIError
	if errors.As(err, &ae) && ae.Status == status {
		return fmt.Errorf("%w\nhint: %s", err, hint)
	}
	return err
}

// errDone ends a status watch.
var errDone = errors.New("done")

func (c *cli) waitConnected(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	var result error
	err := c.client.Watch(ctx, func(st ipc.Status) {
		switch st.State {
		case ipc.Connected:
			fmt.Fprintf(c.out, "connected: %s via %s\n", strings.Join(st.Addresses, " "), st.Endpoint)
			if st.DNS.Warning != "" {
				fmt.Fprintf(c.out, "warning: %s\n", st.DNS.Warning)
			}
			result = errDone
			cancel()
		case ipc.Error:
			result = fmt.Errorf("connection failed: %s", st.LastError)
			cancel()
		}
	})
	switch {
	case result == errDone:
		return nil
	case result != nil:
		return result
	case ctx.Err() != nil && c.ctx.Err() == nil:
		return fmt.Errorf("not connected after %s", timeout)
	}
	return err
}

func (c *cli) disconnect(args []string) error {
	if len(args) != 0 {
		return usagef("disconnect takes no arguments")
	}
	return c.client.Disconnect(c.ctx)
}

func (c *cli) profile(args []string) error {
	if len(args) == 0 {
		return usagef("profile needs a subcommand: check, import, list, remove, rename or export")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "check":
		return c.profileCheck(rest)
	case "import":
		return c.profileImport(rest)
	case "list":
		return c.profileList(rest)
	case "remove":
		if len(rest) != 1 {
			return usagef("usage: palisade profile remove NAME")
		}
		return c.client.RemoveProfile(c.ctx, rest[0])
	case "rename":
		if len(rest) != 2 {
			return usagef("usage: palisade profile rename OLD NEW")
		}
		if err := profile.ValidName(rest[1]); err != nil {
			return usagef("%v", err)
		}
		return withHint(c.client.RenameProfile(c.ctx, rest[0], rest[1]), http.StatusNotFound, "'palisade profile list' shows the stored profiles")
	case "export":
		if len(rest) != 1 {
			return usagef("usage: palisade profile export NAME")
		}
		r, err := c.client.Export(c.ctx, rest[0])
		if err != nil {
			return err
		}
		_, err = io.WriteString(c.out, r.Text)
		return err
	default:
		return usagef("unknown profile subcommand %q: use check, import, list, remove, rename or export", sub)
	}
}

// readProfileFile reads a profile as the invoking user, with a size bound
// (the parser names the limit); "-" is standard input.
func readProfileFile(path string, stdin io.Reader) (string, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return "", fmt.Errorf("%s is a directory: give the .conf file of one profile", path)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, profile.MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return string(data), nil
}

func (c *cli) profileCheck(args []string) error {
	if len(args) != 1 {
		return usagef("usage: palisade profile check FILE")
	}
	text, err := readProfileFile(args[0], c.in)
	if err != nil {
		return err
	}
	p, err := profile.Parse(text)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	for _, w := range p.Warnings() {
		fmt.Fprintln(c.errw, "warning:", w)
	}
	// The routing line is a comment, so the output stays a profile.
	fmt.Fprintf(c.out, "# routing: %s\n", p.Scope())
	_, err = io.WriteString(c.out, p.Redacted().Marshal())
	return err
}

func (c *cli) profileImport(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	name := fs.String("name", "", "profile name (default: the file name without .conf)")
	replace := fs.Bool("replace", false, "replace a stored profile of the same name")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: palisade profile import FILE|- [--name NAME] [--replace]")
	}
	file := pos[0]
	if *name == "" {
		if file == "-" {
			return usagef("a profile read from standard input needs --name NAME")
		}
		*name = profile.NameFromPath(file)
		if err := profile.ValidName(*name); err != nil {
			return usagef("%v (taken from the file name): choose one with --name NAME, such as --name %s", err, profile.SuggestName(*name))
		}
	} else if err := profile.ValidName(*name); err != nil {
		return usagef("--name: %v", err)
	}
	text, err := readProfileFile(file, c.in)
	if err != nil {
		return err
	}
	// Checked here too, so the error names the file as profile check does.
	if _, err := profile.Parse(text); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	r, err := c.client.ImportWith(c.ctx, ipc.ImportRequest{Name: *name, Text: text, Replace: *replace})
	if err != nil {
		return withHint(err, http.StatusConflict, "--name NAME imports it under another name, --replace replaces the stored one")
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(c.errw, "warning:", w)
	}
	fmt.Fprintf(c.out, "imported %s (%s)\nrouting: %s\n", r.Profile.Name, strings.Join(r.Profile.Addresses, ", "), r.Profile.Routing)
	return nil
}

func (c *cli) profileList(args []string) error {
	namesOnly, err := boolFlagOnly("profile list", "names", args)
	if err != nil {
		return err
	}
	ps, err := c.client.Profiles(c.ctx)
	if err != nil {
		return err
	}
	if *namesOnly {
		for _, p := range ps {
			fmt.Fprintln(c.out, p.Name)
		}
		return nil
	}
	if len(ps) == 0 {
		fmt.Fprintln(c.errw, "no profiles yet: import one with 'palisade profile import FILE'")
		return nil
	}
	return printProfiles(c.out, ps)
}

// printProfiles writes one aligned row per profile under a header; * marks
// the one connect uses without a name.
func printProfiles(w io.Writer, ps []ipc.ProfileInfo) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tADDRESSES\tENDPOINT\tROUTING")
	for _, p := range ps {
		mark := " "
		if p.LastUsed {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\n", mark, p.Name, strings.Join(p.Addresses, ", "), strings.Join(p.Endpoints, ", "), p.Routing)
	}
	return tw.Flush()
}

func (c *cli) firewall(args []string) error {
	if len(args) != 1 || args[0] != "show" {
		return usagef("usage: palisade firewall show")
	}
	r, err := c.client.Firewall(c.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "policy:\n%s\ninstalled rules:\n%s", r.Policy, r.Rules)
	return nil
}

// programCount names how many programs the split tunnel lists, as the
// GUI's status row does.
func programCount(n int) string {
	switch n {
	case 0:
		return "no programs listed"
	case 1:
		return "1 program listed"
	}
	return strconv.Itoa(n) + " programs listed"
}
