package platform

import (
	"net/netip"
	"path/filepath"
	"slices"

	"github.com/palisadevpn/palisade/internal/undolog"
)

// RouteJournalFile is the route journal's name in the state directory.
const RouteJournalFile = "routes.json"

// JournaledRoute is a route a router added outside the tunnel interface (an
// endpoint host route via the physical gateway): it does not vanish with
// the tunnel, so it must be found and removed after a crash.
type JournaledRoute struct {
	Dst     netip.Prefix `json:"dst"`
	NextHop netip.Addr   `json:"next_hop"`
	// Interface names the physical interface for people; LUID (Windows)
	// is what the route is deleted by, since names can change.
	Interface string `json:"interface"`
	LUID      uint64 `json:"luid,omitempty"`
}

// RouteJournal keeps the routes a router has added, on disk. Add is called
// before a route is added and Remove after it is deleted, so a crash at
// any point leaves every route that may exist in the journal.
type RouteJournal struct {
	Path string
}

// NewRouteJournal returns the journal in stateDir.
func NewRouteJournal(stateDir string) RouteJournal {
	return RouteJournal{Path: filepath.Join(stateDir, RouteJournalFile)}
}

// Load reads the journal; a missing file is an empty journal. A file that
// cannot be parsed is an error naming it and is left untouched, so the
// routes it lists can still be removed by hand.
func (j RouteJournal) Load() ([]JournaledRoute, error) {
	return undolog.Open[JournaledRoute](j.Path).Entries()
}

// Add records r (once) before it is added to the system.
func (j RouteJournal) Add(r JournaledRoute) error {
	return undolog.Open[JournaledRoute](j.Path).Add(r)
}

// Remove forgets r after it was deleted from the system (or found gone).
func (j RouteJournal) Remove(r JournaledRoute) error {
	return undolog.Open[JournaledRoute](j.Path).Remove(r)
}

// Journaled is the journal entry for an endpoint host route.
func (r SplitRoute) Journaled() JournaledRoute {
	jr := JournaledRoute{Dst: r.Dst}
	if r.Via != nil {
		jr.NextHop, jr.Interface, jr.LUID = r.Via.NextHop, r.Via.Interface, r.Via.LUID
	}
	return jr
}

// EndpointRouteChanges is the re-plan after a network change: the host
// routes to remove (journaled, no longer wanted, e.g. via the old default
// gateway) and those to add. A route whose gateway changed is in both.
func EndpointRouteChanges(have, want []JournaledRoute) (remove, add []JournaledRoute) {
	for _, h := range have {
		if !slices.Contains(want, h) {
			remove = append(remove, h)
		}
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			add = append(add, w)
		}
	}
	return remove, add
}
