package firewall

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/palisadevpn/palisade/platform/cgroup"
)

// fakeGroup stands for a cgroup at level 2 with id 0x1234: the kernel
// compares ids without checking they exist.
func fakeGroup(rel string) (uint32, uint64, error) { return 2, 0x1234, nil }

// TestNFTSplitRendering installs split policies of both modes in a fresh
// namespace and reads back what the kernel holds: the group's cgroup
// match (socket cgroupv2 at the group's level) in the filter rules, the
// marking route chain, the mark restore, the DNS DNAT per family and the
// masquerade.
func TestNFTSplitRendering(t *testing.T) {
	needRoot(t)
	ns := newTestNS(t)
	b := ns.backend(t)
	b.cgroup = fakeGroup

	in := engagedInput(true)
	in.Split = &Split{Mode: SplitBypass, Cgroup: "test/palisade-bypass", Mark: 0xca6e, DNSPort: 5354, DNSServers: splitDNSServers}
	if err := b.Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	c := ns.conn(t)
	tbl := &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]nftables.ChainType{}
	for _, ch := range chains {
		if ch.Table.Name == tableName {
			types[ch.Name] = ch.Type
		}
	}
	for name, typ := range map[string]nftables.ChainType{chainSplitMark: nftables.ChainTypeRoute, chainSplitRestore: nftables.ChainTypeFilter,
		chainSplitDNS: nftables.ChainTypeNAT, chainSplitNAT: nftables.ChainTypeNAT} {
		if types[name] != typ {
			t.Errorf("chain %s: type %q, want %q (all: %v)", name, types[name], typ, types)
		}
	}
	rules := func(chain string) []*nftables.Rule {
		rs, err := c.GetRules(tbl, &nftables.Chain{Name: chain, Table: tbl})
		if err != nil {
			t.Fatalf("chain %s: %v", chain, err)
		}
		return rs
	}
	// The bypass accept in output matches the group by id at its level.
	if n := countGroupMatches(rules("output"), expr.CmpOpEq); n != 1 {
		t.Errorf("output: %d rules match the group, want 1", n)
	}
	mark := rules(chainSplitMark)
	if len(mark) != 2 || countGroupMatches(mark, expr.CmpOpEq) != 1 || !setsMark(mark[0], 0xca6e) || !setsMark(mark[1], 0xca6e) {
		t.Errorf("mark chain: %d rules, %v", len(mark), dump(mark))
	}
	dns := rules(chainSplitDNS)
	if len(dns) != 4 {
		t.Errorf("DNS redirect: %d rules, want udp+tcp for each family", len(dns))
	}
	for _, r := range dns {
		if !slices.ContainsFunc(r.Exprs, func(e expr.Any) bool { n, ok := e.(*expr.NAT); return ok && n.Type == expr.NATTypeDestNAT }) {
			t.Errorf("DNS rule without DNAT: %v", dump([]*nftables.Rule{r}))
		}
		if !slices.ContainsFunc(r.Exprs, func(e expr.Any) bool {
			i, ok := e.(*expr.Immediate)
			return ok && len(i.Data) == 2 && binary.BigEndian.Uint16(i.Data) == 5354
		}) {
			t.Errorf("DNS rule does not go to port 5354: %v", dump([]*nftables.Rule{r}))
		}
	}
	if nat := rules(chainSplitNAT); len(nat) != 1 || !slices.ContainsFunc(nat[0].Exprs, func(e expr.Any) bool { _, ok := e.(*expr.Masq); return ok }) {
		t.Errorf("masquerade chain: %v", dump(nat))
	}
	// Bypass: new connections to the group's listeners get the mark on
	// their connection (to a local address only), then replies the mark.
	restore := rules(chainSplitRestore)
	if len(restore) != 2 || countGroupMatches(restore[:1], expr.CmpOpEq) != 1 || !setsMark(restore[1], 0xca6e) ||
		!slices.ContainsFunc(restore[0].Exprs, func(e expr.Any) bool { f, ok := e.(*expr.Fib); return ok && f.ResultADDRTYPE && f.FlagDADDR }) {
		t.Errorf("restore chain: %v", dump(restore))
	}
	show, err := b.Show()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"split_mark:", "cgroup test/palisade-bypass: mark 0xca6e", "masquerade the group's packets", "goes to [fe80::80:73:65]:5354"} {
		if !strings.Contains(show, want) {
			t.Errorf("Show lacks %q:\n%s", want, show)
		}
	}
	// nft itself reads the rules back: the group matched at its level, the
	// mark set on packet and connection, the DNAT per family.
	nftLists(t, ns, "type route hook output priority mangle", "socket cgroupv2 level 2",
		"counter packets 0 bytes 0 meta mark set 0x0000ca6e ct mark set 0x0000ca6e", "ct mark 0x0000ca6e counter packets 0 bytes 0 meta mark set 0x0000ca6e",
		"dnat ip to 127.80.73.65:5354", "dnat ip6 to [fe80::80:73:65]:5354", "masquerade")

	// VPN-only: everything outside the group is accepted (an inverted
	// match), no DNS redirect.
	in.Split = &Split{Mode: SplitVPNOnly, Cgroup: "test/palisade-vpnonly", Mark: 0xca6e}
	if err := b.Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	nftLists(t, ns, "meta mark != 0x0000ca6e counter packets 0 bytes 0 accept", "type filter hook postrouting priority filter",
		`oifname "palisade0" counter packets 0 bytes 0 accept comment "accept oif palisade0 # the group through the tunnel"`)
	// The group's packets without a full socket (a TIME_WAIT ACK, a
	// reset) get their connection's mark before routing, as in bypass.
	if mk := rules(chainSplitMark); len(mk) != 2 || countGroupMatches(mk[1:], expr.CmpOpEq) != 0 || !setsMark(mk[1], 0xca6e) {
		t.Errorf("vpn-only mark chain: %v", dump(mk))
	}
	if guard := rules(chainSplitGuard); len(guard) < 4 {
		t.Errorf("vpn-only guard: %v", dump(guard))
	}
	chains, _ = c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if slices.ContainsFunc(chains, func(ch *nftables.Chain) bool { return ch.Table.Name == tableName && ch.Name == chainSplitDNS }) {
		t.Error("vpn-only mode has a DNS redirect chain")
	}

	// Split off: the extra chains are gone.
	in.Split = nil
	if err := b.Apply(Compute(in)); err != nil {
		t.Fatal(err)
	}
	chains, _ = c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	for _, ch := range chains {
		if ch.Table.Name == tableName && slices.Contains(splitChains, ch.Name) {
			t.Errorf("chain %s left after split was turned off", ch.Name)
		}
	}
}

// countGroupMatches counts rules comparing (op) with the fake group's id.
// google/nftables does not decode the socket expression that loads it;
// nftLists checks that through nft itself.
func countGroupMatches(rs []*nftables.Rule, op expr.CmpOp) int {
	n := 0
	for _, r := range rs {
		if slices.ContainsFunc(r.Exprs, func(e expr.Any) bool {
			c, ok := e.(*expr.Cmp)
			return ok && c.Op == op && len(c.Data) == 8 && binary.NativeEndian.Uint64(c.Data) == 0x1234
		}) {
			n++
		}
	}
	return n
}

// nftLists runs nft in the namespace and checks its listing holds want.
func nftLists(t *testing.T, ns *testNS, want ...string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns.name, "nft", "list", "table", "inet", tableName).CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("nft list lacks %q:\n%s", w, out)
		}
	}
}

// setsMark reports whether r loads mark into a register and sets meta mark.
func setsMark(r *nftables.Rule, mark uint32) bool {
	imm := slices.ContainsFunc(r.Exprs, func(e expr.Any) bool {
		i, ok := e.(*expr.Immediate)
		return ok && len(i.Data) == 4 && binary.NativeEndian.Uint32(i.Data) == mark
	})
	set := slices.ContainsFunc(r.Exprs, func(e expr.Any) bool {
		m, ok := e.(*expr.Meta)
		return ok && m.Key == expr.MetaKeyMARK && m.SourceRegister
	})
	return imm && set
}

func dump(rs []*nftables.Rule) []string {
	var out []string
	for _, r := range rs {
		var s []string
		for _, e := range r.Exprs {
			s = append(s, fmt.Sprintf("%T%+v", e, e))
		}
		out = append(out, strings.Join(s, " "))
	}
	return out
}

// TestHostCgroupRecreatesRemovedGroup: a group removed behind the
// service's back is created again when rules are rendered, at its level.
func TestHostCgroupRecreatesRemovedGroup(t *testing.T) {
	needRoot(t)
	m, err := cgroup.Find()
	if err != nil {
		t.Skipf("no cgroup2 here: %v", err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	parent := "palisade-fw-" + hex.EncodeToString(b)
	rel := parent + "/palisade-bypass"
	t.Cleanup(func() {
		os.Remove(m.Path(rel))
		os.Remove(m.Path(parent))
	})
	level, _, err := hostCgroup(rel)
	if err != nil || level != m.Level(rel) {
		t.Fatalf("hostCgroup: level %d, %v", level, err)
	}
	if err := os.Remove(m.Path(rel)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := hostCgroup(rel); err != nil {
		t.Fatalf("removed group not recreated: %v", err)
	}
	if _, err := os.Stat(m.Path(rel)); err != nil {
		t.Errorf("group missing after rendering: %v", err)
	}
}
