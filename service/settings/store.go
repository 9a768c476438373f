package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/palisadevpn/palisade/internal/atomicfile"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// FileName is the settings file inside the state directory.
const FileName = "settings.json"

// Load reads the settings from dir. A missing file yields the defaults. A
// corrupt, unreadable or invalid file is renamed aside with a timestamp (never
// overwritten) and the defaults are returned; the problem is logged, and also
// returned as aside so callers can report it.
func Load(dir string, log *slog.Logger) (s Settings, aside string) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		log.Info("settings: no settings file, using defaults", "path", path)
		return Default(), ""
	}
	if err == nil {
		s, err = decode(data)
	}
	if err == nil {
		return s, ""
	}
	aside = fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if rerr := os.Rename(path, aside); rerr != nil {
		log.Error("settings: unusable file could not be set aside; using defaults without saving", "path", path, "err", err, "rename_err", rerr)
		return Default(), ""
	}
	log.Warn("settings: unusable file set aside, using defaults", "path", path, "aside", aside, "err", err)
	return Default(), aside
}

func decode(data []byte) (Settings, error) {
	// Start from defaults so fields added in later versions get sane values.
	s := Default()
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("parse: %w", err)
	}
	if s.Version < 1 || s.Version > Version {
		return Settings{}, fmt.Errorf("unsupported settings version %d", s.Version)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s.Normalized(), nil
}

// Save validates s and writes it to dir atomically: a temporary file is
// written and synced, then renamed over the old one, so a crash leaves either
// the old or the new settings, never a torn file.
func Save(dir string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s.Normalized(), "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, FileName), append(data, '\n'), 0o600)
}

// Peek reads the settings in dir without logging and without setting an
// unusable file aside (Load does both when the manager starts): a missing
// file gives the defaults, an unusable one an error. The service reads the
// kill switch mode this way before anything else at start.
func Peek(dir string) (Settings, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return Settings{}, err
	}
	return decode(data)
}
