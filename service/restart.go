package service

import (
	"os"
	"path/filepath"
	"time"

	"github.com/palisadevpn/palisade/internal/atomicfile"
)

// restartMarker in the state directory asks the next clean stop to keep
// the kill switch's block: a package upgrade stops the service and starts
// the new binary, and without it the old process would take the block
// down first, letting traffic out until the new one reconnects (as
// Mullvad's installers call prepare-restart before an upgrade).
const restartMarker = "restart-pending"

// restartMarkerTTL bounds how long a marker counts, so an upgrade that
// never restarted the service does not make a stop weeks later keep
// blocking.
const restartMarkerTTL = 10 * time.Minute

// PrepareRestart records that the service is about to be restarted (run by
// installers before an upgrade): at the next clean stop an engaged kill
// switch stays in place, routes and DNS are undone as usual, and the new
// process takes over the block at start.
func PrepareRestart(stateDir string) error {
	return atomicfile.Write(filepath.Join(stateDir, restartMarker), nil, 0o600)
}

// takeRestartMarker removes the marker and reports whether one younger
// than restartMarkerTTL was there.
func takeRestartMarker(stateDir string, now time.Time) bool {
	p := filepath.Join(stateDir, restartMarker)
	fi, err := os.Stat(p)
	if err != nil {
		return false
	}
	os.Remove(p)
	return now.Sub(fi.ModTime()) < restartMarkerTTL
}
