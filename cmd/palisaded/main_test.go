package main

import (
	"bytes"
	"strings"
	"testing"
)

// Help asked for exits 0 (the overview on stdout); a wrong command line
// exits 2 and says what is wrong. None of these reaches the service code.
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"--help"}, 0, "usage: palisaded COMMAND", ""},
		{[]string{"help"}, 0, "usage: palisaded COMMAND", ""},
		{[]string{"run", "--help"}, 0, "", ""}, // the flag package prints the flags on the process's stderr
		{[]string{"cleanup", "-h"}, 0, "", ""},
		{nil, 2, "", "usage: palisaded COMMAND"},
		{[]string{"bogus"}, 2, "", `unknown command "bogus"`},
		{[]string{"run", "--frob"}, 2, "", "flag provided but not defined: -frob"},
		{[]string{"cleanup", "extra"}, 2, "", `cleanup takes no arguments besides its flags, got "extra"`},
		{[]string{"prepare-restart", "--state-dir"}, 2, "", "flag needs an argument: -state-dir"},
		{[]string{"early-block", "now"}, 2, "", `early-block takes no arguments besides its flags, got "now"`},
	} {
		var out, errw bytes.Buffer
		code := run(tc.args, &out, &errw)
		if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errw.String()+out.String(), tc.err) {
			t.Errorf("palisaded %v: exit %d (want %d)\nstdout %q\nstderr %q", tc.args, code, tc.code, out.String(), errw.String())
		}
	}
}
