// Package profile parses, validates and writes WireGuard profiles in the
// wg-quick .conf format, and keeps them in an on-disk store.
//
// Nothing in this package runs the PreUp/PostUp/PreDown/PostDown scripts a
// profile may carry: they are kept so a profile round-trips, and reported
// through Warnings.
package profile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// KeyLen is the length in bytes of WireGuard keys.
const KeyLen = 32

// Key is a WireGuard private, public or preshared key.
type Key [KeyLen]byte

// keyEncoding rejects non-canonical padding bits so that every accepted key
// text is exactly what String gives back.
var keyEncoding = base64.StdEncoding.Strict()

// ParseKey decodes the base64 text of a key. Error messages never quote the
// text, since it may be a secret.
func ParseKey(s string) (Key, error) {
	var k Key
	if len(s) != keyEncoding.EncodedLen(KeyLen) {
		return k, fmt.Errorf("key must be %d characters of base64 (32 bytes), got %d characters",
			keyEncoding.EncodedLen(KeyLen), len(s))
	}
	b, err := keyEncoding.DecodeString(s)
	if err != nil {
		return k, fmt.Errorf("key is not valid base64")
	}
	if len(b) != KeyLen {
		return k, fmt.Errorf("key decodes to %d bytes, want %d", len(b), KeyLen)
	}
	copy(k[:], b)
	return k, nil
}

// String returns the standard base64 form used in .conf files and by wg(8).
func (k Key) String() string {
	return keyEncoding.EncodeToString(k[:])
}

// Hex returns the lower-case hex form used by the wireguard-go UAPI.
func (k Key) Hex() string {
	return hex.EncodeToString(k[:])
}

// IsZero reports whether k is all zeros, which WireGuard treats as "no key".
func (k Key) IsZero() bool {
	return k == Key{}
}

// Public returns the Curve25519 public key of the private key k.
func (k Key) Public() Key {
	var pub Key
	// X25519 clamps the scalar itself, so unclamped private keys from other
	// tools give the same public key as wg(8) does.
	out, err := curve25519.X25519(k[:], curve25519.Basepoint)
	if err != nil {
		// Only a low-order result fails, which the fixed base point cannot give.
		panic("profile: X25519 with the base point failed: " + err.Error())
	}
	copy(pub[:], out)
	return pub
}

// GeneratePrivateKey returns a new random, clamped private key.
func GeneratePrivateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("generate private key: %w", err)
	}
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k, nil
}
