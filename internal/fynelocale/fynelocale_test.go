package fynelocale

import (
	"strings"
	"testing"

	"github.com/jeandeaual/go-locale"
	"golang.org/x/text/language"
)

var cases = []struct {
	env       map[string]string
	read, set string
}{
	{map[string]string{}, "", ""},
	{map[string]string{"LANG": "C"}, "C", ""},
	{map[string]string{"LANG": "POSIX"}, "POSIX", ""},
	{map[string]string{"LANG": "C.UTF-8"}, "C.UTF-8", "en"},
	{map[string]string{"LANG": "C.utf8"}, "C.utf8", "en"},
	{map[string]string{"LANG": "POSIX.UTF-8"}, "POSIX.UTF-8", "en"},
	{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "C.UTF-8", "en"},
	{map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "C.UTF-8", "en"},
	{map[string]string{"LANG": "de_DE.UTF-8"}, "de_DE.UTF-8", ""},
	{map[string]string{"LANG": "de_DE@euro"}, "de_DE@euro", "de_DE"},
	{map[string]string{"LANG": "sr_RS.UTF-8@latin"}, "sr_RS.UTF-8@latin", ""},
	{map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "fr_FR:C.UTF-8:de"}, "fr_FR:C.UTF-8:de", "fr_FR:de"},
	{map[string]string{"LANG": "C", "LANGUAGE": "C.UTF-8"}, "C", ""},
	{map[string]string{"LANG": "ast_ES.UTF-8"}, "ast_ES.UTF-8", ""},
}

func TestLanguage(t *testing.T) {
	for _, c := range cases {
		read, set := Language(func(k string) string { return c.env[k] })
		if read != c.read || set != c.set {
			t.Errorf("%v: read %q, set %q; want %q, %q", c.env, read, set, c.read, c.set)
		}
	}
}

// What Fyne reads afterwards, through the same libraries, parses: no
// "Error parsing user locale" at start, whatever the environment held.
func TestFyneParsesResult(t *testing.T) {
	for _, c := range cases {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
			t.Setenv(k, c.env[k])
		}
		if _, set := Language(func(k string) string { return c.env[k] }); set != "" {
			t.Setenv("LANGUAGE", set)
		}
		locs, err := locale.GetLocales()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locs {
			if _, err := language.Parse(l); err != nil {
				t.Errorf("%v: Fyne would read %q: %v", c.env, strings.Join(locs, ":"), err)
			}
		}
	}
}

// Whatever the environment holds, a LANGUAGE value set is a list of
// plain language[_REGION] entries, so Fyne's reading of it cannot fail.
func FuzzLanguage(f *testing.F) {
	f.Add("C.UTF-8", "")
	f.Add("de_DE@euro", "")
	f.Add("en_US.UTF-8", "fr:C.UTF-8")
	f.Fuzz(func(t *testing.T, lang, languageVar string) {
		_, set := Language(func(k string) string {
			switch k {
			case "LANG":
				return lang
			case "LANGUAGE":
				return languageVar
			}
			return ""
		})
		if set == "" {
			return
		}
		for _, e := range strings.Split(set, ":") {
			if got, ok := usable(e); !ok || got != e {
				t.Errorf("LANG %q LANGUAGE %q: set %q, entry %q is not plain", lang, languageVar, set, e)
			}
		}
	})
}
