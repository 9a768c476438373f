package installtest

import "testing"

func TestDebianMirror(t *testing.T) {
	deb822 := "Types: deb\n# a comment: with colon\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n" +
		"Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n"
	cases := []struct {
		sources map[string]string
		suite   string
		want    string
	}{
		{map[string]string{"debian.sources": deb822}, "bookworm", "http://mirror.example/debian"},
		{map[string]string{"debian.sources": deb822}, "bookworm-security", "http://security.example/debian-security"},
		{map[string]string{"sources.list": "# deb http://old/ bookworm main\ndeb-src http://src/ bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://list.example/debian bookworm main\n"}, "bookworm", "http://list.example/debian"},
		{map[string]string{"x.sources": "Types: deb\nURIs: http://off.example/\nSuites: bookworm\nEnabled: no\n"}, "bookworm", ""},
		{map[string]string{"debian.sources": deb822}, "trixie", ""},
	}
	for _, c := range cases {
		got, err := debianMirror(c.sources, c.suite)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("debianMirror(%v, %s) = %q, %v; want %q", c.sources, c.suite, got, err, c.want)
		}
	}
}
