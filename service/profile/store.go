package profile

import (
	"errors"
	"fmt"
	"github.com/palisadevpn/palisade/internal/atomicfile"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ext is the file extension of stored profiles.
const ext = ".conf"

// Store keeps profiles as <name>.conf files in one directory that only its
// owner can read, since the files hold private keys.
type Store struct {
	dir string
}

// OpenStore opens the store in dir, creating it with mode 0700 and
// tightening the mode of an existing directory.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profile store: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profile store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// maxNameLen bounds a profile name.
const maxNameLen = 64

// ValidName checks a profile name: 1..64 characters of letters, digits,
// '.', '_' and '-', not starting with '.' or '-', and not a Windows device
// name. Names are used as file names, so nothing else gets through.
func ValidName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("profile name must be 1..%d characters, got %d", maxNameLen, len(name))
	}
	for _, c := range name {
		if !isNameChar(c) {
			return fmt.Errorf("profile name %q may only contain letters, digits, '.', '_' and '-'", name)
		}
	}
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("profile name %q must not start with '.' or '-'", name)
	}
	if windowsDevice(name) {
		return fmt.Errorf("profile name %q is a reserved device name on Windows", name)
	}
	return nil
}

// windowsDevice reports names that Windows maps to devices whatever the
// extension, such as "con" or "COM1.x".
func windowsDevice(name string) bool {
	base, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) &&
		base[3] >= '1' && base[3] <= '9'
}

// NameFromPath suggests a profile name for an imported file: its base name
// without the .conf extension. The result still needs ValidName.
func NameFromPath(path string) string {
	base := filepath.Base(path)
	if strings.HasSuffix(strings.ToLower(base), ext) {
		base = base[:len(base)-len(ext)]
	}
	return base
}

// SuggestName turns a file's name that ValidName refuses into one it
// accepts, for the user to confirm: a browser's second download "My VPN
// (1)" becomes "My-VPN-1". Each run of other characters becomes one '-',
// leading '.' and '-' go, and the result is cut to the length allowed;
// "profile" when nothing usable is left.
func SuggestName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range name {
		if !isNameChar(c) || c == '-' {
			dash = b.Len() > 0
			continue
		}
		if dash && c != '.' && c != '_' {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(c)
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > maxNameLen {
		s = strings.TrimRight(s[:maxNameLen], "-")
	}
	if ValidName(s) != nil {
		return "profile"
	}
	return s
}

func (s *Store) path(name string) string {
	return filepath.Join(s.dir, name+ext)
}

// Save stores p under name, replacing any profile of that name. The write is
// atomic: readers see the old file or the new one, never a mix.
func (s *Store) Save(name string, p *Profile) error {
	if err := ValidName(name); err != nil {
		return err
	}
	text := p.Marshal()
	if _, err := Parse(text); err != nil {
		return fmt.Errorf("profile %q is not valid, not saving it: %w", name, err)
	}
	// The temporary file starts with '.', which ValidName refuses, so List
	// never reports a half-written profile.
	if err := atomicfile.Write(s.path(name), []byte(text), 0o600); err != nil {
		return fmt.Errorf("save profile %q: %w", name, err)
	}
	slog.Info("profile saved", "name", name, "peers", len(p.Peers))
	return nil
}

// Load reads and parses the profile called name. A missing profile gives
// an error matching fs.ErrNotExist.
func (s *Store) Load(name string) (*Profile, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(name))
	if err != nil {
		return nil, s.missing(name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("load profile %q: %w", name, err)
	}
	p, err := Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("profile %q (%s) is corrupted: %w", name, s.path(name), err)
	}
	return p, nil
}

func (s *Store) missing(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return NotFoundError{Name: name}
	}
	return fmt.Errorf("profile %q: %w", name, err)
}

// NotFoundError is the error for a profile name nothing is stored under. It
// matches fs.ErrNotExist; its text is the sentence a user reads, without
// the "file does not exist" of the layer below.
type NotFoundError struct{ Name string }

func (e NotFoundError) Error() string { return fmt.Sprintf("no profile named %q", e.Name) }

// Is makes errors.Is(err, fs.ErrNotExist) hold.
func (e NotFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// Exists reports whether a profile is stored under name.
func (s *Store) Exists(name string) (bool, error) {
	if err := ValidName(name); err != nil {
		return false, err
	}
	_, err := os.Lstat(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// List returns the names of the stored profiles, sorted.
func (s *Store) List() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ext)
		if ok && e.Type().IsRegular() && ValidName(name) == nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Rename moves the profile called from to the name to, which must be free:
// the new name is linked first, so a profile stored under it meanwhile is
// never overwritten, and a crash leaves the profile under one name or both.
func (s *Store) Rename(from, to string) error {
	for _, n := range []string{from, to} {
		if err := ValidName(n); err != nil {
			return err
		}
	}
	if from == to { // nothing to move, if there is something
		if _, err := os.Lstat(s.path(from)); err != nil {
			return s.missing(from, err)
		}
		return nil
	}
	if err := os.Link(s.path(from), s.path(to)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("profile %q %w", to, ErrExists)
		}
		return s.missing(from, err)
	}
	if err := os.Remove(s.path(from)); err != nil {
		return fmt.Errorf("rename profile %q: %w", from, err)
	}
	if err := atomicfile.SyncDir(s.dir); err != nil {
		return fmt.Errorf("rename profile %q: %w", from, err)
	}
	return nil
}

// ErrExists refuses to store a profile under a name already taken.
var ErrExists = errors.New("already exists: choose another name, or replace it")

// Remove deletes the profile called name. A missing profile gives an error
// matching fs.ErrNotExist.
func (s *Store) Remove(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := os.Remove(s.path(name)); err != nil {
		return s.missing(name, err)
	}
	if err := atomicfile.SyncDir(s.dir); err != nil {
		return fmt.Errorf("remove profile %q: %w", name, err)
	}
	// The manager logs the removal; a line here would repeat it.
	return nil
}
