package firewall

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/mdlayher/netlink"
)

// Inspect reads the palisade table back: its rules in every chain, which of
// them carry counters (all of ours do), how many packets the reject and
// drop rules stopped, and whether any chain, rule or set differs from what
// the last Apply installed (a rule replaced in place keeps the count).
// It reads through a netlink socket of its own whose reads end at ctx's
// deadline, so a kernel that does not answer fails it in time.
func (b *nftBackend) Inspect(ctx context.Context) (Inspection, error) {
	if err := ctx.Err(); err != nil {
		return Inspection{}, err
	}
	opts := b.opts
	if d, ok := ctx.Deadline(); ok {
		opts = append(slices.Clip(opts), nftables.WithSockOptions(func(c *netlink.Conn) error { return c.SetDeadline(d) }))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return Inspection{}, fmt.Errorf("nftables: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	in, sum, sets, err := readBack(c)
	if err != nil {
		if ctx.Err() != nil {
			return Inspection{}, ctx.Err()
		}
		return Inspection{}, err
	}
	in.Want = b.want
	in.Changed = b.installed && in.Present && (sum != b.sum || sets != b.setSum)
	return in, nil
}

// readBack lists the palisade table's chains, rules and sets: the counts of
// Inspection, a digest of the chains and rules (all but the counters'
// values) and one of the sets (setsSum).
func readBack(c *nftables.Conn) (Inspection, string, string, error) {
	var in Inspection
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return in, "", "", fmt.Errorf("nftables: %w", err)
	}
	i := slices.IndexFunc(tables, func(t *nftables.Table) bool { return t.Name == tableName })
	if i < 0 {
		return in, "", "", nil
	}
	in.Present = true
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return in, "", "", fmt.Errorf("nftables: %w", err)
	}
	chains = slices.DeleteFunc(chains, func(ch *nftables.Chain) bool { return ch.Table.Name != tableName })
	slices.SortFunc(chains, func(a, b *nftables.Chain) int { return strings.Compare(a.Name, b.Name) })
	var sum strings.Builder
	for _, ch := range chains {
		fmt.Fprintf(&sum, "chain %s %s", ch.Name, ch.Type)
		if ch.Hooknum != nil {
			fmt.Fprintf(&sum, " hook %d", *ch.Hooknum)
		}
		if ch.Priority != nil {
			fmt.Fprintf(&sum, " priority %d", *ch.Priority)
		}
		if ch.Policy != nil {
			fmt.Fprintf(&sum, " policy %d", *ch.Policy)
		}
		sum.WriteByte('\n')
		rules, err := c.GetRules(tables[i], ch)
		if err != nil {
			return in, "", "", fmt.Errorf("nftables: listing chain %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			in.Rules++
			counted, stops := false, false
			fmt.Fprintf(&sum, "  %x:", r.UserData)
			for _, e := range r.Exprs {
				switch e := e.(type) {
				case *expr.Counter:
					// Its values change with traffic; its place does not.
					counted = true
					sum.WriteString(" counter")
					continue
				case *expr.Reject:
					stops = true
				case *expr.Verdict:
					stops = stops || e.Kind == expr.VerdictDrop
				}
				fmt.Fprintf(&sum, " %T%+v", e, e)
			}
			sum.WriteByte('\n')
			if !counted {
				in.Unmetered++
			} else if stops {
				in.Rejected += packets(r)
			}
		}
	}
	sets, err := setsSum(c, tables[i])
	return in, sum.String(), sets, err
}

// setsSum is the digest of the table's named sets and their elements: an
// address added to a permit's set opens it as surely as a new rule.
func setsSum(c *nftables.Conn, t *nftables.Table) (string, error) {
	var sum strings.Builder
	sets, err := c.GetSets(t)
	if err != nil {
		return "", fmt.Errorf("nftables: listing sets: %w", err)
	}
	slices.SortFunc(sets, func(a, b *nftables.Set) int { return strings.Compare(a.Name, b.Name) })
	for _, set := range sets {
		els, err := c.GetSetElements(set)
		if err != nil {
			return "", fmt.Errorf("nftables: listing set %s: %w", set.Name, err)
		}
		keys := make([]string, len(els))
		for k, e := range els {
			keys[k] = fmt.Sprintf("%x/%t", e.Key, e.IntervalEnd)
		}
		slices.Sort(keys)
		fmt.Fprintf(&sum, "set %s %v\n", set.Name, keys)
	}
	return sum.String(), nil
}
