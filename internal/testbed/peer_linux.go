package testbed

// Peer holds fresh WireGuard keys for a server and a client laid out like a
// bed's, for tests that run the server peer themselves rather than in a Bed
// (the package install test runs it inside a container).
type Peer struct{ k keys }

// NewPeer generates the server's and the client's key pairs.
func NewPeer() (Peer, error) {
	k, err := newKeys()
	return Peer{k}, err
}

// Profile is the client's wg-quick profile, as Bed.ProfileText.
func (p Peer) Profile(opts ProfileOptions) string { return renderProfile(p.k, opts) }

// ServerConf is the server's wg setconf file: its private key, the listen
// port and the client peer with both tunnel addresses.
func (p Peer) ServerConf() string { return serverConf(p.k, false) }
