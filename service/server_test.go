package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
)

// call sends one request through the server's handler as the given caller.
func call(s *Server, authorized bool, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req = req.WithContext(auth.WithIdentity(req.Context(), auth.Identity{UID: 1000, Authorized: authorized}))
	rec := httptest.NewRecorder()
	s.srv.Handler.ServeHTTP(rec, req)
	return rec
}

func testServer(t *testing.T) (*Server, *Manager) {
	m, _ := testManager(t, true)
	return NewServer(m, slog.New(slog.NewTextHandler(io.Discard, nil))), m
}

func TestUnauthorizedCannotMutate(t *testing.T) {
	s, m := testServer(t)
	imp, _ := json.Marshal(ipc.ImportRequest{Name: "x", Text: testProfile})
	for _, c := range []struct{ method, path, body string }{
		{"POST", ipc.PathConnect, `{}`},
		{"POST", ipc.PathDisconnect, ``},
		{"POST", ipc.PathProfiles, string(imp)},
		{"PUT", ipc.PathSettings, `{"version":1,"kill_switch":"off","dns":{"mode":"tunnel"}}`},
		{"DELETE", ipc.PathProfile + "x", ``},
		{"POST", ipc.PathProfile + "x/rename", `{"name":"y"}`},
		{"GET", ipc.PathProfile + "x/export", ``},
		{"GET", ipc.PathLogs, ``},
	} {
		rec := call(s, false, c.method, c.path, c.body)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "permission denied") {
			t.Errorf("%s %s as unprivileged: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
	}
	if ps, _ := m.Profiles(); len(ps) != 0 {
		t.Errorf("unprivileged import stored a profile")
	}
	if m.Settings().KillSwitch != "auto" {
		t.Errorf("unprivileged settings change applied")
	}
	rec := call(s, false, "GET", ipc.PathStatus, "")
	var st ipc.Status
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.CanControl {
		t.Errorf("status for unprivileged: %d %s", rec.Code, rec.Body)
	}
}

func TestBadRequestsAreRefused(t *testing.T) {
	s, m := testServer(t)
	huge := `{"name":"x","text":"` + strings.Repeat("A", ipc.MaxBody+10) + `"}`
	for _, c := range []struct{ method, path, body string }{
		{"POST", ipc.PathProfiles, `garbage`},
		{"POST", ipc.PathProfiles, `{"name":"x","text":`},
		{"POST", ipc.PathProfiles, huge},
		{"POST", ipc.PathProfiles, `{"name":"../etc/passwd","text":"[Interface]"}`},
		{"POST", ipc.PathProfiles, `{"name":"x","text":"[Interface]\nPrivateKey = short"}`},
		{"PUT", ipc.PathSettings, `{"version":1,"kill_switch":"sometimes"}`},
		{"PUT", ipc.PathSettings, `{"unknown_field":true}`},
		{"POST", ipc.PathConnect, `{"profile":"missing"}`},
	} {
		rec := call(s, true, c.method, c.path, c.body)
		var e ipc.ErrorResponse
		if rec.Code < 400 || rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("%s %s %.40q: %d %s", c.method, c.path, c.body, rec.Code, rec.Body.String()[:min(200, rec.Body.Len())])
		}
	}
	if rec := call(s, true, "GET", ipc.PathStatus, ""); rec.Code != 200 {
		t.Fatalf("service stopped answering: %d", rec.Code)
	}
	if m.Settings().KillSwitch != "auto" {
		t.Errorf("bad settings applied")
	}
}

func TestParseErrorHasLineNumber(t *testing.T) {
	s, _ := testServer(t)
	body, _ := json.Marshal(ipc.ImportRequest{Name: "x", Text: "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.0.0.2/32\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 1.2.3.4\n"})
	rec := call(s, true, "POST", ipc.PathProfiles, string(body))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "line 6") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
}

// No answer ever carries the private key, except an authorized export.
func TestNoPrivateKeyInResponses(t *testing.T) {
	s, m := testServer(t)
	const priv = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
	body, _ := json.Marshal(ipc.ImportRequest{Name: "home", Text: testProfile})
	if rec := call(s, true, "POST", ipc.PathProfiles, string(body)); rec.Code != 201 || strings.Contains(rec.Body.String(), priv) {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	for _, path := range []string{ipc.PathStatus, ipc.PathProfiles, ipc.PathSettings, ipc.PathFirewall} {
		for _, authz := range []bool{true, false} {
			if rec := call(s, authz, "GET", path, ""); strings.Contains(rec.Body.String(), priv) {
				t.Errorf("%s leaks the private key", path)
			}
		}
	}
	if rec := call(s, true, "GET", ipc.PathProfile+"home/export", ""); !strings.Contains(rec.Body.String(), priv) {
		t.Errorf("authorized export lacks the key: %s", rec.Body)
	}
}

// The private key leaves the service only through an authorized export
// (docs/security.md): not in an unauthorized export's refusal, the
// self-check, the errors of a mistyped key, or the service's log.
func TestPrivateKeyOnlyInAuthorizedExport(t *testing.T) {
	const priv = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
	env, _ := checkEnv(t, &inspectingFirewall{rules: 12})
	var log lockedBuffer
	env.Log = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newTestManager(t, env)
	s := NewServer(m, env.Log)
	body, _ := json.Marshal(ipc.ImportRequest{Name: "home", Text: testProfile})
	if rec := call(s, true, "POST", ipc.PathProfiles, string(body)); rec.Code != 201 {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	m.Connect("home")
	waitState(t, m, ipc.Connected)
	for _, authz := range []bool{true, false} {
		if rec := call(s, authz, "GET", ipc.PathCheck, ""); rec.Code != 200 || strings.Contains(rec.Body.String(), priv) {
			t.Errorf("check (authorized %v): %d, or it leaks the key", authz, rec.Code)
		}
	}
	if rec := call(s, false, "GET", ipc.PathProfile+"home/export", ""); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), priv) {
		t.Errorf("unauthorized export: %d %s", rec.Code, rec.Body)
	}
	// Mistyped keys: one character off (not canonical base64 of 32
	// bytes), one short.
	for _, bad := range []string{priv[:42] + "l=", priv[:41] + "="} {
		text := strings.Replace(testProfile, priv, bad, 1)
		body, _ := json.Marshal(ipc.ImportRequest{Name: "typo", Text: text})
		rec := call(s, true, "POST", ipc.PathProfiles, string(body))
		if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), bad[:40]) {
			t.Errorf("import with key %q: %d %s", bad, rec.Code, rec.Body)
		}
		if strings.Contains(log.String(), bad[:40]) {
			t.Errorf("the log shows the mistyped key %q", bad)
		}
	}
	if rec := call(s, true, "GET", ipc.PathProfile+"home/export", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), priv) {
		t.Errorf("authorized export: %d %s", rec.Code, rec.Body)
	}
	m.Disconnect()
	if log.String() == "" || strings.Contains(log.String(), priv) || strings.Contains(log.String(), priv[:40]) {
		t.Errorf("the service log is empty or holds the private key:\n%s", log.String())
	}
}

// FuzzAPI feeds arbitrary bodies to the mutating endpoints: the service must
// answer every one with a status and keep serving.
func FuzzAPI(f *testing.F) {
	for _, seed := range []string{`{}`, `{"profile":"x"}`, `{"name":"a","text":"[Interface]"}`, `{"version":1,"kill_switch":"off","dns":{"mode":"custom","custom":["::1"]}}`, "\x00\xff", `[`} {
		f.Add(seed)
	}
	m, _ := testManager(f, true)
	s := NewServer(m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.Fuzz(func(t *testing.T, body string) {
		for _, c := range []struct{ method, path string }{{"POST", ipc.PathProfiles}, {"PUT", ipc.PathSettings}, {"POST", ipc.PathConnect}} {
			req := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(body)))
			req = req.WithContext(auth.WithIdentity(req.Context(), auth.Identity{Authorized: true}))
			rec := httptest.NewRecorder()
			s.srv.Handler.ServeHTTP(rec, req)
			if rec.Code == 0 || rec.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", c.method, c.path, body, rec.Code, rec.Body)
			}
		}
		m.Disconnect()
	})
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("%q: %w", "home", ErrProfileInUse), http.StatusConflict},
		{fmt.Errorf("open: %w", fs.ErrNotExist), http.StatusNotFound},
		{errors.New("address in use"), http.StatusBadRequest}, // decided by type, not by wording
	} {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("statusOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// A second import under a taken name is refused and keeps the stored
// profile; with Replace it overwrites. A missing profile's error is one
// plain sentence.
func TestImportKeepsTakenName(t *testing.T) {
	s, m := testServer(t)
	first, _ := json.Marshal(ipc.ImportRequest{Name: "home", Text: testProfile})
	if rec := call(s, true, "POST", ipc.PathProfiles, string(first)); rec.Code != http.StatusCreated {
		t.Fatalf("first import: %d %s", rec.Code, rec.Body)
	}
	other := strings.Replace(testProfile, "10.64.0.2/32", "10.64.0.9/32", 1)
	if other == testProfile {
		t.Fatal("test profile has no 10.64.0.2/32 address to change")
	}
	second, _ := json.Marshal(ipc.ImportRequest{Name: "home", Text: other})
	rec := call(s, true, "POST", ipc.PathProfiles, string(second))
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `profile \"home\" already exists`) {
		t.Errorf("import over a taken name: %d %s", rec.Code, rec.Body)
	}
	if exp, err := m.Export("home"); err != nil || exp.Text == "" || strings.Contains(exp.Text, "10.64.0.9") {
		t.Errorf("the refused import changed the stored profile: %v\n%s", err, exp.Text)
	}
	replace, _ := json.Marshal(ipc.ImportRequest{Name: "home", Text: other, Replace: true})
	if rec := call(s, true, "POST", ipc.PathProfiles, string(replace)); rec.Code != http.StatusCreated {
		t.Errorf("import with replace: %d %s", rec.Code, rec.Body)
	}
	if exp, err := m.Export("home"); err != nil || !strings.Contains(exp.Text, "10.64.0.9") {
		t.Errorf("replace did not store the new text: %v\n%s", err, exp.Text)
	}
	rec = call(s, true, "POST", ipc.PathConnect, `{"profile":"nope"}`)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `no profile named \"nope\"`) || strings.Contains(rec.Body.String(), "file does not exist") {
		t.Errorf("connect to a missing profile: %d %s", rec.Code, rec.Body)
	}
}
