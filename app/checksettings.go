package app

import (
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/palisadevpn/palisade/service/settings"
)

// newCheckSettings builds the settings pane's self-check section: the
// outside test's switch (off by default) and its URL, empty for the
// built-in one.
func newCheckSettings(changed func()) (*widget.Check, *widget.Entry) {
	outside := widget.NewCheck("Outside check: ask a “what is my IP” service through the tunnel (it learns that you check)", func(bool) { changed() })
	url := widget.NewEntry()
	url.SetPlaceHolder(settings.DefaultCheckURL)
	url.Validator = func(s string) error { return settings.Check{URL: strings.TrimSpace(s)}.Validate() }
	url.OnChanged = func(string) { changed() }
	return outside, url
}

// editedCheck is the self-check section's content as settings.
func editedCheck(outside *widget.Check, url *widget.Entry) settings.Check {
	return settings.Check{Outside: outside.Checked, URL: strings.TrimSpace(url.Text)}
}
