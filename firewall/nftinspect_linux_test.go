package firewall

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

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
	// Read through a socket with the context's deadline, as the
	// self-check bounds it; one whose context has ended reads nothing.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	in, err := b.Inspect(ctx)
	if err != nil || !in.Present || in.Rules != in.Want || in.Unmetered != 0 || in.Changed {
		t.Fatalf("untouched table: %+v, %v", in, err)
	}
	ended, end := context.WithCancel(t.Context())
	end()
	if _, err := b.Inspect(ended); !errors.Is(err, context.Canceled) {
		t.Errorf("Inspect with an ended context: %v, want context.Canceled", err)
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
	in, err = b.Inspect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if in.Rules == in.Want && in.Unmetered == 0 && !in.Changed {
		t.Errorf("a reject rule turned into accept went unseen: %+v", in)
	}
}

// An address added to the bootstrap permit's set behind the service's
// back is seen by Inspect; the service's own set update is not.
func TestNFTInspectSeesAChangedSet(t *testing.T) {
	needRoot(t)
	ns := newTestNS(t)
	b := ns.backend(t)
	in := engagedInput(false)
	if err := b.Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	in.Bootstrap = []netip.Addr{netip.MustParseAddr("192.0.2.53"), netip.MustParseAddr("2001:db8::53")}
	if err := b.Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Inspect(t.Context()); err != nil || got.Changed {
		t.Fatalf("after the service's own set update: %+v, %v", got, err)
	}
	c := ns.conn(t)
	tb := &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
	set := &nftables.Set{Table: tb, Name: "bootstrap4", Interval: true, KeyType: nftables.TypeIPAddr}
	if err := c.SetAddElements(set, []nftables.SetElement{{Key: []byte{198, 51, 100, 1}}, {Key: []byte{198, 51, 100, 2}, IntervalEnd: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := b.Inspect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.Rules != got.Want || got.Unmetered != 0 {
		t.Fatalf("an element changed the rules: %+v", got)
	}
	if !got.Changed {
		t.Errorf("an address added to the bootstrap permit went unseen: %+v", got)
	}
}
