package main

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/settings"
)

// FuzzCLI runs whole command lines (arguments split at NUL) against a
// socket nothing listens on: every one ends with exit 0, 1 or 2, and a
// wrong command line (2) prints nothing on stdout. Arguments with a '/' are
// skipped so no input names a real file, device or socket. Seeds are in
// testdata/fuzz/FuzzCLI.
func FuzzCLI(f *testing.F) {
	sock := filepath.Join(f.TempDir(), "none.sock")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		for _, a := range args {
			if strings.Contains(a, "/") {
				return
			}
		}
		var out strings.Builder
		code := run(context.Background(), append([]string{"--socket", sock}, args...), strings.NewReader(""), &out, io.Discard)
		if code < 0 || code > 2 {
			t.Fatalf("%q: exit %d", args, code)
		}
		if code == exitUsage && out.Len() != 0 {
			t.Fatalf("%q: exit 2 with output %q", args, out.String())
		}
	})
}

// FuzzApplySetting types arbitrary values into "palisade set" and
// "palisade split" (a first word "split-KEY"): whatever the CLI accepts,
// the service's settings file must accept too and read back unchanged.
// Seeds are in testdata/fuzz/FuzzApplySetting.
func FuzzApplySetting(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		words := strings.Fields(line)
		if len(words) < 2 {
			return
		}
		s := settings.Default()
		if key, ok := strings.CutPrefix(words[0], "split-"); ok {
			if len(words) != 2 || applySplit(&s.Split, key, words[1]) != nil || s.Validate() != nil {
				return
			}
		} else if applySetting(&s, words[0], words[1:]) != nil {
			return
		}
		dir := t.TempDir()
		if err := settings.Save(dir, s); err != nil {
			t.Fatalf("%q accepted by the CLI, refused by Save: %v", line, err)
		}
		back, err := settings.Peek(dir)
		if err != nil {
			t.Fatalf("%q: the saved file is refused: %v", line, err)
		}
		if !reflect.DeepEqual(back, s.Normalized()) {
			t.Fatalf("%q: read back %+v, want %+v", line, back, s.Normalized())
		}
	})
}
