package firewall

import (
	"bytes"
	"fmt"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// pfAnchor sits under com.apple/ because the stock main ruleset evaluates
// "com.apple/*", so the anchor is reached without rewriting
// /etc/pf.conf or the user's main ruleset.
const pfAnchor = "com.apple/palisade"

var pfTokenRE = regexp.MustCompile(`Token : (\d+)`)

type pfBackend struct {
	log *slog.Logger

	mu sync.Mutex
	// token is our reference on pf being enabled; releasing it restores
	// the previous enabled/disabled state once nobody else holds one.
	token string
}

// New returns the pf backend, which drives pfctl.
func New(log *slog.Logger) (Backend, error) {
	if _, err := exec.LookPath("pfctl"); err != nil {
		return nil, fmt.Errorf("pf: %w", err)
	}
	return &pfBackend{log: log}, nil
}

// Apply loads the whole anchor in one pfctl call, which pf swaps in
// atomically, then makes sure pf is enabled.
func (b *pfBackend) Apply(p Policy) error {
	if p.Empty() {
		return b.Remove()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := pfctl(RenderPF(p, pfAnchor), "-a", pfAnchor, "-f", "-"); err != nil {
		return err
	}
	if b.token == "" {
		out, err := pfctl("", "-E")
		if err != nil {
			return err
		}
		m := pfTokenRE.FindStringSubmatch(out)
		if m == nil {
			return fmt.Errorf("pf: no reference token in pfctl -E output %q", out)
		}
		b.token = m[1]
	}
	b.log.Info("firewall applied", "backend", "pf", "anchor", pfAnchor, "engaged", p.Engaged, "why", p.Why)
	return nil
}

// Remove flushes our anchor and releases our pf enable reference.
func (b *pfBackend) Remove() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := pfctl("", "-a", pfAnchor, "-F", "all"); err != nil {
		return err
	}
	if b.token != "" {
		if _, err := pfctl("", "-X", b.token); err != nil {
			return err
		}
		b.token = ""
	}
	b.log.Info("firewall removed", "backend", "pf", "anchor", pfAnchor)
	return nil
}

// Show lists the anchor's loaded rules and tables.
func (b *pfBackend) Show() (string, error) {
	rules, err := pfctl("", "-a", pfAnchor, "-v", "-s", "rules")
	if err != nil {
		return "", err
	}
	tables, err := pfctl("", "-a", pfAnchor, "-s", "Tables")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("anchor %s\ntables:\n%s\nrules:\n%s", pfAnchor, tables, rules), nil
}

// pfctl runs pfctl and returns its combined output; pfctl reports tokens
// and warnings on stderr.
func pfctl(stdin string, args ...string) (string, error) {
	cmd := exec.Command("pfctl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pfctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
