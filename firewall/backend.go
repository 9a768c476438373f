package firewall

import "context"

// Backend installs a Policy into the operating system's packet filter.
// New (one per OS) returns the backend for the running system.
type Backend interface {
	// Apply replaces whatever this backend installed before with p in one
	// atomic step; an empty policy removes everything.
	Apply(p Policy) error
	// Remove deletes only the backend's own state.
	Remove() error
	// Show describes the rules actually installed.
	Show() (string, error)
}

// Inspection is what a backend finds of its own rules in the OS, for the
// self-check.
type Inspection struct {
	// Present tells that the table (anchor, provider) exists.
	Present bool
	// Rules is how many rules (filters) it holds now; Want how many the
	// backend installed at its last Apply.
	Rules, Want int
	// Unmetered counts rules without a packet counter, where the backend
	// puts one on each of its own.
	Unmetered int
	// Rejected sums the packets the reject and drop rules stopped, where
	// the backend can count them.
	Rejected uint64
	// Changed tells that a rule or set differs from what the backend
	// installed at its last Apply, whatever the count: nftables compares
	// chains, rules and sets, pf its anchor's rules, NAT rules and tables
	// (pfListing), WFP each filter's layer, action, weight and conditions
	// (wfpChanged).
	Changed bool
}

// Inspector is a Backend that can read back what it installed. The
// read-back ends with ctx (the self-check bounds it).
type Inspector interface {
	Inspect(ctx context.Context) (Inspection, error)
}
