// Package fynelocale gives Fyne a language it can parse, before Fyne reads
// the environment. Fyne (through github.com/jeandeaual/go-locale) takes the
// language from LANGUAGE or the first of LC_ALL, LC_MESSAGES and LANG,
// drops the encoding and hands the rest to golang.org/x/text/language. For
// "C.UTF-8" (Debian's default where no locale is configured), "C.utf8" or a
// locale with a modifier ("de_DE@euro") that is not a language tag, and
// Fyne logs "Fyne error: Error parsing user locale C" at every start; the
// plain "C", "POSIX" and unset are skipped by go-locale and are quiet.
//
// Fyne reads it in its lang package's init, before main runs, so the fix
// is this package's own init: the window's main (palisade-window) imports it. It
// imports only os and strings, which Fyne's lang package needs too through
// text/template, and its path sorts before text/template's; so by Go's
// package initialization order (sorted by import path, each package once
// its imports are done) it runs before lang. It sets LANGUAGE, which only
// chooses the language of messages (C locales show English anyway) and
// leaves character handling (LC_CTYPE: UTF-8 input and text) alone.
package fynelocale

import (
	"os"
	"strings"
)

// Set is the LANGUAGE value this package set at start, "" when the
// environment needed no help; Was is what Fyne would have read instead.
// The GUI logs them (this package logs nothing itself: a logging package
// would change when it is initialized).
var Set, Was string

func init() {
	Was, Set = Language(os.Getenv)
	if Set != "" {
		os.Setenv("LANGUAGE", Set)
	}
}

// Language returns what go-locale would read from the environment and,
// when any of it is no language tag Fyne can parse, the LANGUAGE value to
// set instead: the usable entries with their modifiers and unusable
// regions dropped ("de_DE@euro" → "de_DE"), or "en" when none is left
// ("C.UTF-8"). It returns "" to set when nothing needs to change.
func Language(getenv func(string) string) (read, set string) {
	read = ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if read = getenv(v); read != "" {
			break
		}
	}
	// go-locale reports no language for these, and Fyne picks English.
	if read == "" || read == "C" || read == "POSIX" {
		return read, ""
	}
	if l := getenv("LANGUAGE"); l != "" {
		read = l
	}
	var good []string
	changed := false
	for _, entry := range strings.Split(read, ":") {
		tag, ok := usable(entry)
		changed = changed || tag != withoutEncoding(entry)
		if ok {
			good = append(good, tag)
		}
	}
	if !changed {
		return read, ""
	}
	if len(good) == 0 {
		return read, "en"
	}
	return read, strings.Join(good, ":")
}

// withoutEncoding is entry as go-locale reads it: up to the first '.'.
func withoutEncoding(entry string) string {
	s, _, _ := strings.Cut(entry, ".")
	return s
}

// usable returns entry as language[_REGION] without encoding and modifier,
// and whether its language is one (2 or 3 letters); a region that is not
// 2 letters or 3 digits is dropped.
func usable(entry string) (string, bool) {
	s, _, _ := strings.Cut(withoutEncoding(entry), "@")
	lang, region, _ := strings.Cut(strings.ReplaceAll(s, "-", "_"), "_")
	if !isLetters(lang) || len(lang) < 2 || len(lang) > 3 {
		return "", false
	}
	if (len(region) == 2 && isLetters(region)) || (len(region) == 3 && isDigits(region)) {
		return lang + "_" + region, true
	}
	return lang, true
}

func isLetters(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
