package desktopnote

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestOneLine(t *testing.T) {
	if got := oneLine("a\nb\r\tc\x7fd"); got != "a b  c d" {
		t.Errorf("oneLine = %q", got)
	}
}

func TestAppleScriptQuotes(t *testing.T) {
	got := appleScript(`Connected to "work"`, `C:\ and " & do shell script "x`)
	want := `display notification "C:\\ and \" & do shell script \"x" with title "Connected to \"work\""`
	if got != want {
		t.Errorf("script\n%s\nwant\n%s", got, want)
	}
}

// Every text ends up inside one single-quoted literal: a quote in it is
// doubled, so the script's literals are exactly the ones it means.
func TestToastScriptQuotes(t *testing.T) {
	s := toastScript("com.palisadevpn.palisade", "it's", "a'); Remove-Item x; ('’")
	if !strings.Contains(s, "CreateTextNode('it''s')") {
		t.Errorf("title not quoted:\n%s", s)
	}
	if !strings.Contains(s, "CreateTextNode('a''); Remove-Item x; (''’’')") {
		t.Errorf("body not quoted:\n%s", s)
	}
	if !strings.Contains(s, "CreateToastNotifier('com.palisadevpn.palisade')") {
		t.Errorf("app id missing:\n%s", s)
	}
}

func TestEncodedCommand(t *testing.T) {
	in := "Write-Output 'é ✓ 𝄞'"
	b, err := base64.StdEncoding.DecodeString(encodedCommand(in))
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	if got := string(utf16.Decode(u)); got != in {
		t.Errorf("decoded %q, want %q", got, in)
	}
}
