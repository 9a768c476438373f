package settings

import (
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"
)

// DefaultCheckURL is asked by the self-check's outside test when the user
// set no URL of their own: Mullvad's "what is my IP" page, which answers
// the caller's address as plain text over both families.
const DefaultCheckURL = "https://am.i.mullvad.net/ip"

// maxCheckURL bounds the URL a user may configure.
const maxCheckURL = 2048

// Check holds the self-check's optional outside test. It is off by default:
// it tells a third party that this machine checks its VPN.
type Check struct {
	// Outside asks a "what is my IP" service through the tunnel, once per
	// family, and compares the answer with this machine's own addresses.
	Outside bool `json:"outside"`
	// URL is the service asked; empty means DefaultCheckURL. It must
	// answer with the caller's address as plain text.
	URL string `json:"url,omitempty"`
}

// EffectiveURL is the URL the outside test asks.
func (c Check) EffectiveURL() string {
	if c.URL == "" {
		return DefaultCheckURL
	}
	return c.URL
}

// Validate accepts an empty URL or an absolute http(s) URL with a host and
// no credentials.
func (c Check) Validate() error {
	if c.URL == "" {
		return nil
	}
	if len(c.URL) > maxCheckURL {
		return fmt.Errorf("check URL is too long: %d characters, at most %d", len(c.URL), maxCheckURL)
	}
	// The settings file is JSON, which would store invalid UTF-8 as
	// U+FFFD: the URL read back would not be the one accepted.
	if !utf8.ValidString(c.URL) {
		return fmt.Errorf("invalid check URL %q: not UTF-8 text", c.URL)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("invalid check URL %q: %v", c.URL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("invalid check URL %q: use http:// or https://", c.URL)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("invalid check URL %q: no host", c.URL)
	case u.User != nil:
		return errors.New("invalid check URL: credentials in the URL are not allowed")
	}
	return nil
}
