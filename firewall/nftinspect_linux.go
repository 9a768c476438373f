package firewall

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// Inspect reads the palisade table back: its rules in every chain, which of
// them carry counters (all of ours do), how many packets the reject and
// drop rules stopped, and whether any chain or rule differs from what the
// last Apply installed (a rule replaced in place keeps the count).
func (b *nftBackend) Inspect() (Inspection, error) {
	var in Inspection
	err := b.do(func(c *nftables.Conn) error {
		got, sum, err := readBack(c)
		if err != nil {
			return err
		}
		in = got
		in.Want = b.want
		in.Changed = b.installed && in.Present && sum != b.sum
		return nil
	})
	return in, err
}

// readBack lists the palisade table's chains and rules: the counts of
// Inspection and a digest of everything but the counters' values.
func readBack(c *nftables.Conn) (Inspection, string, error) {
	var in Inspection
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return in, "", fmt.Errorf("nftables: %w", err)
	}
	i := slices.IndexFunc(tables, func(t *nftables.Table) bool { return t.Name == tableName })
	if i < 0 {
		return in, "", nil
	}
	in.Present = true
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return in, "", fmt.Errorf("nftables: %w", err)
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
			return in, "", fmt.Errorf("nftables: listing chain %s: %w", ch.Name, err)
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
	return in, sum.String(), nil
}
