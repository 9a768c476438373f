package firewall

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/palisadevpn/palisade/internal/undolog"
)

// pfAnchor sits under com.apple/ because the stock main ruleset evaluates
// "com.apple/*", so the anchor is reached without rewriting
// /etc/pf.conf or the user's main ruleset.
const pfAnchor = "com.apple/palisade"

// pfTokenJournal holds the pf enable references this service holds, so a
// crashed run's reference is released by the next start.
const pfTokenJournal = "pf.tokens.json"

var pfTokenRE = regexp.MustCompile(`Token : (\d+)`)

// pfBackend drives pf through pfctl. It is OS-free so its bookkeeping
// (reference tokens, state flushes, health checks) is tested off macOS;
// pf_darwin.go gives it the real pfctl.
type pfBackend struct {
	log    *slog.Logger
	tokens *undolog.Log[string]
	// pfctl runs pfctl with stdin and returns its combined output; ctx
	// ends it (the self-check's read-back is bounded).
	pfctl func(ctx context.Context, stdin string, args ...string) (string, error)

	mu sync.Mutex
	// token is our reference on pf being enabled; releasing it restores
	// the previous enabled/disabled state once nobody else holds one.
	token string
	// last is the policy loaded last, for the state-flush decision.
	last    Policy
	applied bool
	// loaded is the anchor as pf listed it right after the last Apply or
	// table refill, for Inspect (see pfListing).
	loaded pfListing
}

// Apply loads the whole anchor in one pfctl call, which pf swaps in
// atomically, makes sure pf is enabled, and flushes states when the new
// policy is stricter than the one before.
func (b *pfBackend) Apply(p Policy) error {
	if p.Empty() {
		return b.Remove()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.applyTablesLocked(p) {
		return nil
	}
	if _, err := b.pfctl(context.Background(), RenderPF(p, pfAnchor), "-a", pfAnchor, "-f", "-"); err != nil {
		return err
	}
	err := b.enableLocked()
	if err != nil {
		return err
	}
	flush := pfNeedsFlush(b.last, b.applied, p)
	b.last, b.applied = p, true
	if b.loaded, err = b.listLocked(context.Background()); err != nil {
		return err
	}
	if flush {
		if _, err := b.pfctl(context.Background(), "", "-F", "states"); err != nil {
			return err
		}
	}
	b.log.Info("firewall applied", "backend", "pf", "anchor", pfAnchor, "engaged", p.Engaged, "why", p.Why, "states_flushed", flush)
	for _, prob := range b.healthLocked() {
		b.log.Warn("firewall: " + prob)
	}
	return nil
}

// applyTablesLocked installs p by refilling the anchor's tables of named
// sets, when that is all that differs from the loaded policy (the bootstrap
// permit opening or closing for an endpoint lookup), and tells whether it
// did. A new shape, the same policy again (which repairs an anchor changed
// behind our back) or a failed pfctl call need the full load. States are not
// flushed: those the permit allowed are the service's own finished lookups.
func (b *pfBackend) applyTablesLocked(p Policy) bool {
	sets := p.sets()
	if !b.applied || len(sets) == 0 || !reflect.DeepEqual(setShape(p), setShape(b.last)) || reflect.DeepEqual(p, b.last) {
		return false
	}
	for _, cmd := range pfTableCommands(pfAnchor, sets) {
		if _, err := b.pfctl(context.Background(), "", cmd...); err != nil {
			b.log.Warn("firewall tables update failed; loading the anchor", "backend", "pf", "err", err)
			return false
		}
	}
	b.last = p
	if l, err := b.listLocked(context.Background()); err == nil {
		b.loaded = l
	} else {
		b.log.Warn("firewall tables not read back; the self-check will report them changed", "backend", "pf", "err", err)
	}
	b.log.Info("firewall sets updated", "backend", "pf", "engaged", p.Engaged, "why", p.Why, "sets", setsText(sets))
	return true
}

// enableLocked takes a reference on pf unless we hold one and pf is still
// enabled (someone may have run pfctl -d), then releases references left by
// a crashed run: only after ours is taken, so pf never goes off between.
func (b *pfBackend) enableLocked() error {
	info, err := b.pfctl(context.Background(), "", "-s", "info")
	if err != nil {
		return err
	}
	if b.token == "" || !pfEnabled(info) {
		out, err := b.pfctl(context.Background(), "", "-E")
		if err != nil {
			return err
		}
		m := pfTokenRE.FindStringSubmatch(out)
		if m == nil {
			return fmt.Errorf("pf: no reference token in pfctl -E output %q", out)
		}
		// Journaled right after: pfctl prints the token only once it holds
		// it, so a crash in between leaves pf enabled, never disabled.
		if err := b.tokens.Add(m[1]); err != nil {
			b.log.Warn("pf token not journaled", "err", err)
		}
		b.token = m[1]
	}
	return b.releaseLocked(b.token)
}

// releaseLocked releases every journaled token except keep. A token pf no
// longer knows (after a reboot) is simply forgotten.
func (b *pfBackend) releaseLocked(keep string) error {
	toks, err := b.tokens.Entries()
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t == keep {
			continue
		}
		if _, err := b.pfctl(context.Background(), "", "-X", t); err != nil {
			b.log.Info("pf token not released (already gone)", "token", t, "err", err)
		}
		if err := b.tokens.Remove(t); err != nil {
			return err
		}
	}
	return nil
}

// Remove flushes our anchor and releases our pf enable references.
func (b *pfBackend) Remove() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.pfctl(context.Background(), "", "-a", pfAnchor, "-F", "all"); err != nil {
		return err
	}
	if err := b.releaseLocked(""); err != nil {
		return err
	}
	b.token, b.last, b.applied, b.loaded = "", Policy{}, false, pfListing{}
	b.log.Info("firewall removed", "backend", "pf", "anchor", pfAnchor)
	return nil
}

// listLocked reads the anchor back from pf: its filter and NAT rules and
// every table's addresses, normalised.
func (b *pfBackend) listLocked(ctx context.Context) (pfListing, error) {
	var outs [3]string
	for i, what := range []string{"rules", "nat", "Tables"} {
		out, err := b.pfctl(ctx, "", "-a", pfAnchor, "-s", what)
		if err != nil {
			return pfListing{}, err
		}
		outs[i] = out
	}
	l := pfListing{Rules: pfNormalize(outs[0]), NAT: pfNormalize(outs[1]), Tables: map[string][]string{}}
	for _, name := range pfTableNames(outs[2]) {
		out, err := b.pfctl(ctx, "", "-a", pfAnchor, "-t", name, "-T", "show")
		if err != nil {
			return pfListing{}, err
		}
		l.Tables[name] = pfTableEntries(out)
	}
	return l, nil
}

// Inspect reads the anchor back and compares it with the listing taken
// after the last Apply: the count of rules, and whether any rule, NAT rule
// or table entry differs. An anchor is always there; one without filter
// rules counts as missing.
func (b *pfBackend) Inspect(ctx context.Context) (Inspection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	got, err := b.listLocked(ctx)
	if err != nil {
		return Inspection{}, err
	}
	return Inspection{Present: len(got.Rules) > 0, Rules: got.count(), Want: b.loaded.count(), Changed: !got.equal(b.loaded)}, nil
}

func (b *pfBackend) healthLocked() []string {
	info, err := b.pfctl(context.Background(), "", "-s", "info")
	if err != nil {
		return []string{err.Error()}
	}
	main, err := b.pfctl(context.Background(), "", "-s", "rules")
	if err != nil {
		return []string{err.Error()}
	}
	return pfHealth(info, main)
}

// Show lists the anchor's loaded rules and tables, after any problem that
// keeps them from being enforced.
func (b *pfBackend) Show() (string, error) {
	rules, err := b.pfctl(context.Background(), "", "-a", pfAnchor, "-v", "-s", "rules")
	if err != nil {
		return "", err
	}
	tables, err := b.pfctl(context.Background(), "", "-a", pfAnchor, "-s", "Tables")
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	probs := b.healthLocked()
	b.mu.Unlock()
	var w strings.Builder
	for _, p := range probs {
		fmt.Fprintf(&w, "WARNING: %s\n", p)
	}
	return fmt.Sprintf("%sanchor %s\ntables:\n%s\nrules:\n%s", w.String(), pfAnchor, tables, rules), nil
}
