// Package fakeservice is a test double of the Palisade service: an HTTP
// server on a Unix socket that answers the few endpoints the GUI uses with
// canned ipc JSON. It is only for the GUI's tests.
package fakeservice

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/settings"
)

// Service is a running fake service.
type Service struct {
	Socket string

	srv     *httptest.Server
	mu      sync.Mutex
	status  ipc.Status
	set     settings.Settings
	profs   []ipc.ProfileInfo
	texts   map[string]string
	subs    map[chan ipc.Status]bool
	refuse  map[string]*ipc.ErrorResponse
	refCode map[string]int
	// Calls records "METHOD path" of every request, in order; streams the
	// query of every status stream request.
	calls, streams []string
	// connected is the profile of the last connect request.
	connected string
	check     ipc.CheckReport
	logs      []string
}

// Start serves st, s and profiles on a socket in t.TempDir until the test ends.
func Start(t testing.TB, st ipc.Status, s settings.Settings, profiles []ipc.ProfileInfo) *Service {
	t.Helper()
	return StartAt(t, filepath.Join(t.TempDir(), "palisaded.sock"), st, s, profiles)
}

// StartAt is Start on a given socket path.
func StartAt(t testing.TB, socket string, st ipc.Status, s settings.Settings, profiles []ipc.ProfileInfo) *Service {
	f := &Service{
		Socket: socket,
		status: st, set: s, profs: profiles,
		texts:   map[string]string{},
		subs:    map[chan ipc.Status]bool{},
		refuse:  map[string]*ipc.ErrorResponse{},
		refCode: map[string]int{},
	}
	ln, err := net.Listen("unix", f.Socket)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener.Close()
	f.srv.Listener = ln
	f.srv.Start()
	t.Cleanup(f.Stop)
	return f
}

// Stop shuts the service down, ending every status stream.
func (f *Service) Stop() {
	f.mu.Lock()
	for c := range f.subs {
		close(c)
		delete(f.subs, c)
	}
	f.mu.Unlock()
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// Refuse makes requests to "METHOD path" fail with code and message.
func (f *Service) Refuse(method, path string, code int, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse[method+" "+path] = &ipc.ErrorResponse{Error: msg}
	f.refCode[method+" "+path] = code
}

// Push replaces the status and sends it to every stream.
func (f *Service) Push(st ipc.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = st
	f.pushLocked()
}

func (f *Service) pushLocked() {
	for c := range f.subs {
		c <- f.status
	}
}

// SetCheck sets the self-check report the fake answers.
func (f *Service) SetCheck(r ipc.CheckReport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.check = r
}

// SetLogs sets the log lines the fake's log stream sends before it waits
// for the client to leave.
func (f *Service) SetLogs(lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = lines
}

// Connected returns the profile named by the last connect request.
func (f *Service) Connected() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected
}

// followLogs streams the canned lines as text, then holds the stream open
// as a following service would.
func (f *Service) followLogs(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	lines := f.logs
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, l := range lines {
		io.WriteString(w, l+"\n")
	}
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// Calls returns the requests seen so far.
func (f *Service) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// StreamQueries returns the queries the status streams were asked with.
func (f *Service) StreamQueries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.streams...)
}

// Settings returns the stored settings.
func (f *Service) Settings() settings.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set
}

// Profiles returns the stored profiles.
func (f *Service) Profiles() []ipc.ProfileInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ipc.ProfileInfo(nil), f.profs...)
}

// Text is the stored text of the named profile ("" for one of the
// starting list, or none).
func (f *Service) Text(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.texts[name]
}

func (f *Service) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.calls = append(f.calls, key)
	e, refused := f.refuse[key]
	code := f.refCode[key]
	f.mu.Unlock()
	if refused {
		reply(w, code, e)
		return
	}
	switch {
	case key == "GET "+ipc.PathStream:
		f.stream(w, r)
	case key == "GET "+ipc.PathStatus:
		f.mu.Lock()
		st := f.status
		f.mu.Unlock()
		reply(w, http.StatusOK, st)
	case key == "POST "+ipc.PathConnect:
		var req ipc.ConnectRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.connected = req.Profile
		f.mu.Unlock()
		reply(w, http.StatusOK, struct{}{})
	case key == "POST "+ipc.PathDisconnect:
		reply(w, http.StatusOK, struct{}{})
	case key == "GET "+ipc.PathCheck:
		f.mu.Lock()
		c := f.check
		f.mu.Unlock()
		reply(w, http.StatusOK, c)
	case key == "GET "+ipc.PathLogs:
		f.followLogs(w, r)
	case key == "GET "+ipc.PathSettings:
		reply(w, http.StatusOK, f.Settings())
	case key == "PUT "+ipc.PathSettings:
		f.putSettings(w, r)
	case key == "GET "+ipc.PathProfiles:
		reply(w, http.StatusOK, f.Profiles())
	case key == "POST "+ipc.PathProfiles:
		f.importProfile(w, r)
	case strings.HasPrefix(r.URL.Path, ipc.PathProfile):
		f.profile(w, r)
	default:
		reply(w, http.StatusNotFound, ipc.ErrorResponse{Error: "no such endpoint"})
	}
}

func (f *Service) stream(w http.ResponseWriter, r *http.Request) {
	c := make(chan ipc.Status, 16)
	f.mu.Lock()
	f.streams = append(f.streams, r.URL.RawQuery)
	f.subs[c] = true
	st := f.status
	f.mu.Unlock()
	enc := json.NewEncoder(w)
	for {
		if enc.Encode(st) != nil {
			break
		}
		w.(http.Flusher).Flush()
		var ok bool
		select {
		case st, ok = <-c:
		case <-r.Context().Done():
		}
		if !ok {
			break
		}
	}
	f.mu.Lock()
	if f.subs[c] {
		delete(f.subs, c)
	}
	f.mu.Unlock()
}

func (f *Service) putSettings(w http.ResponseWriter, r *http.Request) {
	var s settings.Settings
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		reply(w, http.StatusBadRequest, ipc.ErrorResponse{Error: err.Error()})
		return
	}
	if err := s.Validate(); err != nil {
		reply(w, http.StatusBadRequest, ipc.ErrorResponse{Error: err.Error()})
		return
	}
	f.mu.Lock()
	f.set = s.Normalized()
	f.mu.Unlock()
	reply(w, http.StatusOK, f.Settings())
}

func (f *Service) importProfile(w http.ResponseWriter, r *http.Request) {
	var req ipc.ImportRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		reply(w, http.StatusBadRequest, ipc.ErrorResponse{Error: err.Error()})
		return
	}
	if !strings.Contains(req.Text, "[Interface]") {
		reply(w, http.StatusBadRequest, ipc.ErrorResponse{Error: "line 1: expected [Interface]"})
		return
	}
	p := ipc.ProfileInfo{Name: req.Name, Endpoints: []string{"198.51.100.2:51820"}, Peers: 1}
	f.mu.Lock()
	defer f.mu.Unlock()
	// As the service: a taken name is replaced only when asked.
	if i := f.indexLocked(req.Name); i >= 0 && !req.Replace {
		reply(w, http.StatusConflict, ipc.ErrorResponse{Error: "profile \"" + req.Name + "\" already exists: choose another name, or replace it"})
		return
	} else if i >= 0 {
		f.profs[i] = p
	} else {
		f.profs = append(f.profs, p)
	}
	f.texts[req.Name] = req.Text
	reply(w, http.StatusOK, ipc.ImportResponse{Profile: p})
}

func (f *Service) indexLocked(name string) int {
	return slices.IndexFunc(f.profs, func(p ipc.ProfileInfo) bool { return p.Name == name })
}

func (f *Service) profile(w http.ResponseWriter, r *http.Request) {
	name, export := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, ipc.PathProfile), "/export")
	name, rename := strings.CutSuffix(name, "/rename")
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(name)
	switch {
	case i < 0:
		reply(w, http.StatusNotFound, ipc.ErrorResponse{Error: "no profile named " + name})
	case export && r.Method == http.MethodGet:
		reply(w, http.StatusOK, ipc.ExportResponse{Name: name, Text: f.texts[name]})
	case rename && r.Method == http.MethodPost:
		f.renameLocked(w, r, i)
	case !export && r.Method == http.MethodDelete:
		f.profs = append(f.profs[:i], f.profs[i+1:]...)
		delete(f.texts, name)
		if f.status.Profile == name { // as the service: the status stops naming it
			f.status.Profile = ""
			f.pushLocked()
		}
		reply(w, http.StatusOK, struct{}{})
	default:
		reply(w, http.StatusMethodNotAllowed, ipc.ErrorResponse{Error: "method not allowed"})
	}
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Restart starts a fresh service on the same socket with the same state, as
// if the service had been restarted after Stop.
func (f *Service) Restart(t testing.TB) *Service {
	f.mu.Lock()
	st, s, ps := f.status, f.set, append([]ipc.ProfileInfo(nil), f.profs...)
	f.mu.Unlock()
	return StartAt(t, f.Socket, st, s, ps)
}

// renameLocked renames profile i as the service does: the status follows.
func (f *Service) renameLocked(w http.ResponseWriter, r *http.Request, i int) {
	var req ipc.RenameRequest
	json.NewDecoder(r.Body).Decode(&req)
	if f.indexLocked(req.Name) >= 0 {
		reply(w, http.StatusConflict, ipc.ErrorResponse{Error: "profile \"" + req.Name + "\" already exists"})
		return
	}
	from := f.profs[i].Name
	f.profs[i].Name = req.Name
	f.texts[req.Name] = f.texts[from]
	delete(f.texts, from)
	if f.status.Profile == from {
		f.status.Profile = req.Name
		f.pushLocked()
	}
	reply(w, http.StatusOK, struct{}{})
}
