// Package keptblock is the note a stopping service leaves when it keeps the
// kill switch's block in place (docs/firewall.md, "When the service is not
// running"): why and when, and what the block covers, so that the CLI and
// the tray can tell a user who is offline that Palisade blocks them and how
// to get out, while the service itself cannot answer. Everything here but
// the probe and the file's permissions is OS-free.
package keptblock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/palisadevpn/palisade/internal/atomicfile"
)

// File is the record's name in the service's state directory.
const File = "kept-block.json"

// maxRecord bounds what Parse accepts: a record is a few hundred bytes, and
// readers (the tray, every CLI call) must not be made to read a huge file.
const maxRecord = 4096

// Families a block can cover, as the record names them.
const (
	IPv4 = "ipv4"
	IPv6 = "ipv6"
)

// StopNone is the stop of a record written while the service runs with
// its kill switch blocking: found while the service does not answer, it
// means the process ended without a clean stop (killed, crashed) and left
// the block, in place since the record's time.
const StopNone = "none"

// Record says why and since when the service left its block in place and
// what that block covers.
type Record struct {
	// Since is when the service stopped and left the block (StopNone:
	// when the block engaged).
	Since time.Time `json:"since"`
	// Stop is the kind of stop ("stop", "restart", "system shutdown",
	// "unknown", or StopNone); Why the decision's reason, as the service
	// logged it.
	Stop string `json:"stop"`
	Why  string `json:"why"`
	// Mode is the kill switch mode then (off, auto, always).
	Mode string `json:"mode"`
	// Families are the address families whose traffic is blocked (IPv4,
	// IPv6); LAN tells that the local network stays reachable.
	Families []string `json:"families"`
	LAN      bool     `json:"lan"`
	// Rules is how many rules the block holds, across its chains.
	Rules int `json:"rules"`
}

// Validate says what is wrong with r, if anything.
func (r Record) Validate() error {
	switch {
	case r.Since.IsZero():
		return errors.New("no time")
	case r.Why == "" || r.Stop == "" || r.Mode == "":
		return errors.New("stop, why and mode are required")
	case r.Rules < 0:
		return fmt.Errorf("negative rule count %d", r.Rules)
	case len(r.Families) == 0:
		return errors.New("no family")
	}
	for _, s := range []string{r.Stop, r.Why, r.Mode} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("text %q is not UTF-8", s)
		}
	}
	for i, f := range r.Families {
		if f != IPv4 && f != IPv6 {
			return fmt.Errorf("unknown family %q", f)
		}
		if slices.Contains(r.Families[:i], f) {
			return fmt.Errorf("family %q twice", f)
		}
	}
	return nil
}

// Parse reads a record, refusing anything but a complete, valid one.
func Parse(data []byte) (Record, error) {
	if len(data) > maxRecord {
		return Record{}, fmt.Errorf("record of %d bytes, more than %d", len(data), maxRecord)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, err
	}
	if err := r.Validate(); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Marshal renders a valid record.
func (r Record) Marshal() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(r, "", "  ")
}

// Write stores r in stateDir atomically, readable by every user (the tray
// and the CLI run as the user; the record holds nothing secret).
func Write(stateDir string, r Record) error {
	data, err := r.Marshal()
	if err != nil {
		return fmt.Errorf("kept-block record: %w", err)
	}
	path := filepath.Join(stateDir, File)
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return err
	}
	return shareRecord(path)
}

// Read reads the record in stateDir; found is false when there is none.
// An unreadable or damaged one is an error (and not found).
func Read(stateDir string) (r Record, found bool, err error) {
	f, err := os.Open(filepath.Join(stateDir, File))
	if errors.Is(err, os.ErrNotExist) {
		return Record{}, false, nil
	} else if err != nil {
		return Record{}, false, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecord+1))
	if err != nil {
		return Record{}, false, err
	}
	r, err = Parse(data)
	if err != nil {
		return Record{}, false, fmt.Errorf("%s: %w", File, err)
	}
	return r, true, nil
}

// Remove deletes the record and reports whether there was one; a missing
// one is no error.
func Remove(stateDir string) (removed bool, err error) {
	err = os.Remove(filepath.Join(stateDir, File))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
