package firewall

import (
	"fmt"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// Inspect reads the palisade table back: its rules in every chain, which of
// them carry counters (all of ours do) and how many packets the reject and
// drop rules stopped.
func (b *nftBackend) Inspect() (Inspection, error) {
	var in Inspection
	err := b.do(func(c *nftables.Conn) error {
		in.Want = b.want
		tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		i := slices.IndexFunc(tables, func(t *nftables.Table) bool { return t.Name == tableName })
		if i < 0 {
			return nil
		}
		in.Present = true
		chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		for _, ch := range chains {
			if ch.Table.Name != tableName {
				continue
			}
			rules, err := c.GetRules(tables[i], ch)
			if err != nil {
				return fmt.Errorf("nftables: listing chain %s: %w", ch.Name, err)
			}
			for _, r := range rules {
				in.Rules++
				counted, stops := false, false
				for _, e := range r.Exprs {
					switch e := e.(type) {
					case *expr.Counter:
						counted = true
					case *expr.Reject:
						stops = true
					case *expr.Verdict:
						stops = stops || e.Kind == expr.VerdictDrop
					}
				}
				if !counted {
					in.Unmetered++
				} else if stops {
					in.Rejected += packets(r)
				}
			}
		}
		return nil
	})
	return in, err
}
