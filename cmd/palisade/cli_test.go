package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
)

const goodProfile = "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.64.0.2/32, fd64::2/128\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 198.51.100.2:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n"

// nowhere is a socket nothing listens on: commands that reach the service
// fail with exit 1, those refused before it never get there.
func nowhere(t *testing.T) string { return filepath.Join(t.TempDir(), "none.sock") }

// Help is asked for, so it goes to stdout and exits 0, for the whole CLI
// and for each command, whether the command parses flags or not.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"help", "set"}, {"set", "--help"}, {"profile", "--help"},
		{"profile", "import", "--help"}, {"status", "-h"}, {"split", "--help"}, {"completion", "-h"},
	} {
		code, out, errw := runCLI(append([]string{"--socket", nowhere(t)}, args...)...)
		if code != 0 || !strings.HasPrefix(out, "usage: palisade") || errw != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errw)
		}
	}
	_, out, _ := runCLI("help", "set")
	for _, want := range []string{"killswitch off|auto|always", "allow-lan on|off", "dns custom ADDR..."} {
		if !strings.Contains(out, want) {
			t.Errorf("help set lacks %q:\n%s", want, out)
		}
	}
	// After "--", --help belongs to the program palisade exec runs.
	if code, out, _ := runCLI("--socket", nowhere(t), "exec", "--bypass", "--", "true", "--help"); code == 0 || strings.Contains(out, "usage:") {
		t.Errorf("exec … -- true --help showed palisade's help: exit %d %q", code, out)
	}
}

// A wrong command line exits 2 with one message naming what is wrong, and
// nothing reaches the service (the socket does not exist: a request would
// exit 1 with "not reachable").
func TestUsageErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "my vpn (sweden).conf"), []byte(goodProfile), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "allow-lan", "maybe"}, `allow-lan "maybe": use on or off`},
		{[]string{"set", "ipv6", "perhaps"}, `ipv6 "perhaps": use on or off`},
		{[]string{"set", "killswitch", "maybe"}, `invalid kill switch mode "maybe": use off, auto or always`},
		{[]string{"set", "killswitch", "auto", "always"}, "killswitch takes exactly one value, got 2"},
		{[]string{"set", "dns", "custom", "dns.google"}, `invalid DNS server "dns.google"`},
		{[]string{"set", "check-url", "ftp://x"}, "check URL"},
		{[]string{"set", "colour", "red"}, `unknown setting "colour"`},
		{[]string{"logs", "-n", "x"}, `invalid value "x" for flag -n: parse error (-n: how many lines, a number from 1)`},
		{[]string{"logs", "-n"}, `flag needs an argument: -n (-n: how many lines, a number from 1)`},
		{[]string{"connect", "home", "--timeout", "5"}, `(--timeout: how long --wait waits, a duration such as 30s or 2m)`},
		{[]string{"status", "--json=maybe"}, `invalid boolean value "maybe" for -json`},
		{[]string{"status", "--frob"}, `flag provided but not defined: -frob`},
		{[]string{"logs", "-n", "0"}, "N at least 1"},
		{[]string{"connect", "a", "b"}, "at most one profile name"},
		{[]string{"status", "extra"}, "status takes no arguments besides --json"},
		{[]string{"profile", "frob"}, `unknown profile subcommand "frob"`},
		{[]string{"profile", "import", "-"}, "standard input needs --name"},
		{[]string{"profile", "import", filepath.Join(dir, "my vpn (sweden).conf")}, "(taken from the file name): choose one with --name NAME, such as --name my-vpn-sweden"},
		{[]string{"profile", "import", "x.conf", "--name", "-bad"}, "--name: profile name \"-bad\" must not start"},
		{[]string{"disconnect", "now"}, "takes no arguments"},
		{[]string{"completion", "tcsh"}, `shell "tcsh"`},
		{[]string{"help", "frob"}, `unknown command "frob"`},
		{[]string{"frob"}, `unknown command "frob"`},
	} {
		code, out, errw := runCLI(append([]string{"--socket", nowhere(t)}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errw, tc.want) || strings.Contains(errw, "not reachable") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errw, tc.want)
		}
		if strings.Count(errw, tc.want) != 1 {
			t.Errorf("%v: the error is printed %d times:\n%s", tc.args, strings.Count(errw, tc.want), errw)
		}
	}
}

// fakeAPI answers the profile import and list like the service: a taken
// name is refused with 409 unless the request replaces it.
type fakeAPI struct {
	mu       sync.Mutex
	profiles map[string]string
}

func startFakeAPI(t *testing.T) (*fakeAPI, string) {
	dir, err := os.MkdirTemp("", "palcli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeAPI{profiles: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ipc.PathProfiles, func(w http.ResponseWriter, r *http.Request) {
		var req ipc.ImportRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, taken := f.profiles[req.Name]; taken && !req.Replace {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(ipc.ErrorResponse{Error: `profile "` + req.Name + `" already exists: choose another name, or replace it`})
			return
		}
		f.profiles[req.Name] = req.Text
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(ipc.ImportResponse{Profile: ipc.ProfileInfo{Name: req.Name}})
	})
	mux.HandleFunc("POST "+ipc.PathConnect, func(w http.ResponseWriter, r *http.Request) {
		var req ipc.ConnectRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.Profile == "" {
			w.WriteHeader(http.StatusPreconditionFailed)
			json.NewEncoder(w).Encode(ipc.ErrorResponse{Error: `no profile given, and the one last used ("old") was removed: choose one of a, b`})
			return
		}
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(ipc.ErrorResponse{Error: `no profile named "` + req.Profile + `"`})
	})
	mux.HandleFunc("POST "+ipc.PathProfile+"{name}/rename", func(w http.ResponseWriter, r *http.Request) {
		var req ipc.RenameRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		defer f.mu.Unlock()
		text, ok := f.profiles[r.PathValue("name")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(ipc.ErrorResponse{Error: `no profile named "` + r.PathValue("name") + `"`})
			return
		}
		delete(f.profiles, r.PathValue("name"))
		f.profiles[req.Name] = text
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+ipc.PathProfiles, func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		list := []ipc.ProfileInfo{}
		for n := range f.profiles {
			list = append(list, ipc.ProfileInfo{Name: n})
		}
		json.NewEncoder(w).Encode(list)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f, sock
}

func (f *fakeAPI) text(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.profiles[name]
}

// Importing: from standard input, never over a stored profile unless
// asked, and with the file named in parse errors; a directory is refused
// with a sentence, not a read error.
func TestProfileImport(t *testing.T) {
	api, sock := startFakeAPI(t)
	if code, _, errw := runCLI("--socket", sock, "profile", "list"); code != 0 || !strings.Contains(errw, "no profiles yet: import one with 'palisade profile import FILE'") {
		t.Errorf("empty list: exit %d, stderr %q", code, errw)
	}
	if code, out, errw := runCLIInput(goodProfile, "--socket", sock, "profile", "import", "-", "--name", "home"); code != 0 || !strings.Contains(out, "imported home") || api.text("home") != goodProfile {
		t.Fatalf("import from stdin: exit %d, %q %q", code, out, errw)
	}
	other := strings.Replace(goodProfile, "10.64.0.2/32", "10.64.0.9/32", 1)
	code, _, errw := runCLIInput(other, "--socket", sock, "profile", "import", "-", "--name", "home")
	if code != 1 || !strings.Contains(errw, `profile "home" already exists`) || !strings.Contains(errw, "--replace replaces the stored one") || api.text("home") != goodProfile {
		t.Errorf("import over a taken name: exit %d, stderr %q", code, errw)
	}
	if code, _, errw := runCLIInput(other, "--socket", sock, "profile", "import", "-", "--name", "home", "--replace"); code != 0 || api.text("home") != other {
		t.Errorf("import --replace: exit %d, stderr %q", code, errw)
	}
	if code, out, _ := runCLI("--socket", sock, "profile", "list", "--names"); code != 0 || out != "home\n" {
		t.Errorf("list --names: exit %d, %q", code, out)
	}

	if code, _, errw := runCLI("--socket", sock, "connect", "hom"); code != 1 || !strings.Contains(errw, `no profile named "hom"`+"\nhint: 'palisade profile list' shows the stored profiles") {
		t.Errorf("connect to a missing profile: exit %d, %q", code, errw)
	}
	if code, _, errw := runCLI("--socket", sock, "connect"); code != 1 || !strings.Contains(errw, "choose one of a, b\nhint: name it: palisade connect NAME") {
		t.Errorf("connect without a choice: exit %d, %q", code, errw)
	}

	if code, _, errw := runCLI("--socket", sock, "profile", "rename", "home", "-x"); code != 2 || !strings.Contains(errw, "must not start with") || api.text("home") != other {
		t.Errorf("rename to a bad name: exit %d, %q", code, errw)
	}
	if code, _, errw := runCLI("--socket", sock, "profile", "rename", "hom", "x"); code != 1 || !strings.Contains(errw, "hint: 'palisade profile list'") {
		t.Errorf("rename of a missing profile: exit %d, %q", code, errw)
	}
	if code, _, errw := runCLI("--socket", sock, "profile", "rename", "home", "house"); code != 0 || api.text("house") != other || api.text("home") != "" {
		t.Errorf("rename: exit %d, %q", code, errw)
	}

	dir := t.TempDir()
	if code, _, errw := runCLI("--socket", sock, "profile", "import", dir); code != 1 || !strings.Contains(errw, dir+" is a directory: give the .conf file of one profile") {
		t.Errorf("import of a directory: exit %d, %q", code, errw)
	}
	bad := filepath.Join(dir, "typo.conf")
	os.WriteFile(bad, []byte(strings.Replace(goodProfile, "Address", "Adress", 1)), 0o600)
	if code, _, errw := runCLI("--socket", sock, "profile", "import", bad); code != 1 || !strings.Contains(errw, bad+`: line 3: unknown key "Adress" in [Interface]`) || api.text("typo") != "" {
		t.Errorf("import of a broken file: exit %d, %q", code, errw)
	}
}

// completionCases are lines typed so far and what each shell must offer.
var completionCases = []struct{ line, want string }{
	{"palisade set kill", "killswitch"},
	{"palisade set killswitch a", "auto always"},
	{"palisade pro", "profile"},
	{"palisade split mode ", "off bypass vpn-only"},
	{"palisade help com", "completion"},
}

// The generated bash script completes for real: sourced into bash, it
// offers the words of the table.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash:", err)
	}
	_, script, _ := runCLI("completion", "bash")
	for _, tc := range completionCases {
		prog := script + "\nCOMP_WORDS=(" + tc.line + ")\n"
		if strings.HasSuffix(tc.line, " ") {
			prog += "COMP_WORDS+=('')\n"
		}
		prog += "COMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_palisade\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "--norc", "-c", prog).CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != tc.want {
			t.Errorf("%q: got %q (%v), want %q", tc.line, got, err, tc.want)
		}
	}
}

// The fish script, loaded into fish (scripts/deps.sh installs it), offers
// the same words ("complete -C" lists them a line each, sorted).
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed (scripts/deps.sh installs it):", err)
	}
	_, script, _ := runCLI("completion", "fish")
	path := filepath.Join(t.TempDir(), "palisade.fish")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range completionCases {
		out, err := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C "+strconv.Quote(tc.line)).CombinedOutput()
		want := strings.Fields(tc.want)
		slices.Sort(want)
		if got := strings.Fields(string(out)); err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: got %q (%v), want %q", tc.line, got, err, want)
		}
	}
}
