package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"github.com/palisadevpn/palisade/internal/atomicfile"
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
	data, err := os.ReadFile(j.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rs []JournaledRoute
	if err := json.Unmarshal(data, &rs); err != nil {
		return nil, fmt.Errorf("route journal %s is unreadable (left as it is): %w", j.Path, err)
	}
	return rs, nil
}

// Add records r (once) before it is added to the system.
func (j RouteJournal) Add(r JournaledRoute) error {
	rs, err := j.Load()
	if err != nil {
		return err
	}
	if slices.Contains(rs, r) {
		return nil
	}
	return j.save(append(rs, r))
}

// Remove forgets r after it was deleted from the system (or found gone).
func (j RouteJournal) Remove(r JournaledRoute) error {
	rs, err := j.Load()
	if err != nil {
		return err
	}
	n := len(rs)
	rs = slices.DeleteFunc(rs, func(x JournaledRoute) bool { return x == r })
	if len(rs) == n {
		return nil
	}
	if len(rs) == 0 {
		if err := os.Remove(j.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return j.save(rs)
}

func (j RouteJournal) save(rs []JournaledRoute) error {
	data, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(j.Path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(j.Path, data, 0o600)
}
