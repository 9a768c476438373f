package firewall

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
