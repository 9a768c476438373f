package firewall

import (
	"maps"
	"slices"
	"strings"
)

// pfListing is an anchor as pfctl lists it: its filter rules (-s rules),
// its NAT rules (-s nat) and every table's addresses (-T show), each
// normalised by pfNormalize. The backend keeps the listing read right after
// it loaded the anchor, in pf's own printed form (pf expands lists, adds
// defaults and reorders words, so the rendered text is not comparable), and
// the self-check compares a fresh listing with it: a rule changed in place,
// a NAT rule slipped into the anchor, or an address added to a table shows,
// whatever the number of rules.
type pfListing struct {
	Rules, NAT []string
	Tables     map[string][]string
}

// pfNormalize turns a pfctl listing into lines comparable between two
// reads: pfctl's notices (macOS prints "No ALTQ support in kernel" and
// "ALTQ related functions disabled" on every call, into the combined
// output), pfctl's own warnings, the counter lines -v adds ("[ Evaluations:
// ... ]", "[ Inserted: ... ]") and blank lines are dropped, and runs of
// blanks become one space.
func pfNormalize(out string) []string {
	var lines []string
	for l := range strings.Lines(out) {
		l = strings.Join(strings.Fields(l), " ")
		switch {
		case l == "",
			strings.HasPrefix(l, "["),
			strings.HasPrefix(l, "pfctl: "),
			strings.HasPrefix(l, "No ALTQ support"),
			strings.HasPrefix(l, "ALTQ related functions"):
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// pfTableNames reads the table names of a "-s Tables" listing; pfctl
// prints one a line, flagged by -v only.
func pfTableNames(out string) []string {
	var names []string
	for _, l := range pfNormalize(out) {
		f := strings.Fields(l)
		names = append(names, f[len(f)-1])
	}
	return names
}

// pfTableEntries normalises a "-T show" listing. pf prints a table in its
// radix tree's order, which need not be the order addresses were added, so
// the entries are sorted.
func pfTableEntries(out string) []string {
	entries := pfNormalize(out)
	slices.Sort(entries)
	return entries
}

// count is the number of rules the listing holds, filter and NAT.
func (l pfListing) count() int { return len(l.Rules) + len(l.NAT) }

// equal tells whether two listings hold the same rules, in the same order
// (pf evaluates them in order), and the same tables with the same
// addresses.
func (l pfListing) equal(o pfListing) bool {
	return slices.Equal(l.Rules, o.Rules) && slices.Equal(l.NAT, o.NAT) &&
		maps.EqualFunc(l.Tables, o.Tables, slices.Equal[[]string])
}
