package firewall

import (
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// A reject rule of the kill switch turned into an accept behind the
// service's back (same number of rules, counter kept) is seen by Inspect;
// the untouched table is not.
func TestNFTInspectSeesAChangedRule(t *testing.T) {
	needRoot(t)
	ns := newTestNS(t)
	b := ns.backend(t)
	if err := b.Apply(Compute(engagedInput(false))); err != nil {
		t.Fatal(err)
	}
	in, err := b.Inspect()
	if err != nil || !in.Present || in.Rules != in.Want || in.Unmetered != 0 || in.Changed {
		t.Fatalf("untouched table: %+v, %v", in, err)
	}
	c := ns.conn(t)
	tb := &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
	rules, err := c.GetRules(tb, &nftables.Chain{Name: "output", Table: tb})
	if err != nil {
		t.Fatal(err)
	}
	var victim *nftables.Rule
	for _, r := range rules {
		for i, e := range r.Exprs {
			if _, ok := e.(*expr.Reject); ok {
				r.Exprs[i] = &expr.Verdict{Kind: expr.VerdictAccept}
				victim = r
			}
		}
	}
	if victim == nil {
		t.Fatal("no reject rule in the output chain")
	}
	c.ReplaceRule(victim)
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	in, err = b.Inspect()
	if err != nil {
		t.Fatal(err)
	}
	if in.Rules == in.Want && in.Unmetered == 0 && !in.Changed {
		t.Errorf("a reject rule turned into accept went unseen: %+v", in)
	}
}
