package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/ipc"
	"github.com/palisadevpn/palisade/service/logging"
	"github.com/palisadevpn/palisade/service/profile"
	"github.com/palisadevpn/palisade/service/settings"
)

// Timeouts of the local API. Local clients send a request in microseconds;
// these only matter against clients that stall, on purpose or not.
// docs/security.md gives the reason for each number.
const (
	headerTimeout = 5 * time.Second
	readTimeout   = 10 * time.Second
	// writeTimeout runs from the end of the request to the end of the
	// answer, so it must outlast the slowest handler: a disconnect waits
	// for the session's teardown.
	writeTimeout = 30 * time.Second
	idleTimeout  = 60 * time.Second
	// streamWriteTimeout bounds each write to a status or log stream: a
	// reader that stops draining is dropped, not buffered for.
	streamWriteTimeout = 10 * time.Second
)

// Server serves the local API for a manager.
type Server struct {
	m         *Manager
	log       *slog.Logger
	srv       *http.Server
	admission *auth.Admission
	// streamWrite is streamWriteTimeout; tests shorten it.
	streamWrite time.Duration
}

// NewServer wires the API handlers. Every connection is identified from
// the kernel's peer credentials when accepted; unprivileged peers are held
// to auth.DefaultLimits, and only authorized callers may change state.
func NewServer(m *Manager, log *slog.Logger) *Server {
	s := &Server{m: m, log: log, admission: auth.NewAdmission(auth.DefaultLimits), streamWrite: streamWriteTimeout}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ipc.PathStatus, s.status)
	mux.HandleFunc("GET "+ipc.PathStream, s.stream)
	mux.HandleFunc("POST "+ipc.PathConnect, s.control(s.connect))
	mux.HandleFunc("POST "+ipc.PathDisconnect, s.control(s.disconnect))
	mux.HandleFunc("GET "+ipc.PathProfiles, s.profiles)
	mux.HandleFunc("POST "+ipc.PathProfiles, s.control(s.importProfile))
	mux.HandleFunc("DELETE "+ipc.PathProfile+"{name}", s.control(s.removeProfile))
	mux.HandleFunc("GET "+ipc.PathProfile+"{name}/export", s.control(s.export))
	mux.HandleFunc("POST "+ipc.PathProfile+"{name}/rename", s.control(s.renameProfile))
	mux.HandleFunc("GET "+ipc.PathSettings, s.getSettings)
	mux.HandleFunc("PUT "+ipc.PathSettings, s.control(s.putSettings))
	mux.HandleFunc("GET "+ipc.PathFirewall, s.firewall)
	mux.HandleFunc("GET "+ipc.PathLogs, s.control(s.logs))
	mux.HandleFunc("GET "+ipc.PathCheck, s.check)
	mux.HandleFunc("POST "+ipc.PathSplitExec, s.control(s.splitExec))
	s.srv = &http.Server{
		Handler:           s.recoverer(mux),
		ConnContext:       auth.ConnContext,
		ConnState:         auth.ConnState,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Serve answers requests on ln until Shutdown, admitting each connection
// by its peer's credentials.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(auth.Admit(ln, s.admission, s.log))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops serving; open status streams are cut.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

// recoverer keeps one handler's panic from taking the service down.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("ipc handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, errors.New("internal error"))
			}
		}()
		r.Body = http.MaxBytesReader(w, r.Body, ipc.MaxBody)
		h.ServeHTTP(w, r)
	})
}

func identity(r *http.Request) auth.Identity {
	id, _ := auth.IdentityFrom(r.Context())
	return id
}

// control guards a mutating handler.
func (s *Server) control(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := identity(r)
		if !id.Authorized {
			s.log.Warn("ipc refused", "path", r.URL.Path, "uid", id.UID, "user", id.Name)
			writeError(w, http.StatusForbidden, fmt.Errorf("permission denied: only root, administrators and members of the %q group may do this", auth.GroupName))
			return
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, ipc.ErrorResponse{Error: err.Error()})
}

// readJSON decodes a bounded body strictly: unknown fields and trailing
// data are errors, so garbage never half-applies.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	if dec.More() {
		return errors.New("bad request body: trailing data")
	}
	return nil
}

func (s *Server) statusFor(r *http.Request, st ipc.Status) ipc.Status {
	st.CanControl = identity(r).Authorized
	return st
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.statusFor(r, s.m.Status()))
}

// stream pushes one JSON status per line on every change. The manager
// keeps only the latest status per subscriber, so a slow reader skips
// states instead of queueing them, and each write has a deadline, so a
// reader that stops draining is dropped.
// With ?changes=only (ipc.QueryChangesOnly) a push that changes only the
// traffic counters and the handshake time is left out; with ?changes=rates
// (ipc.QueryChangesRates) only while the tunnel is idle (ipc.StreamFilter).
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	filter, err := ipc.NewStreamFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ch, stop := s.m.Subscribe()
	defer stop()
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case st, ok := <-ch:
			if !ok {
				return
			}
			st = s.statusFor(r, st)
			if !filter.Send(st) {
				continue
			}
			rc.SetWriteDeadline(time.Now().Add(s.streamWrite))
			if err := s.streamErr(r, enc.Encode(st), rc.Flush()); err != nil {
				return
			}
		}
	}
}

// streamErr joins the errors of a stream write and logs, rate-
// limited, a reader dropped for not draining.
func (s *Server) streamErr(r *http.Request, errs ...error) error {
	err := errors.Join(errs...)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		s.admission.LogHit(s.log, identity(r), auth.HitStream, fmt.Sprintf("%s not read for %s, dropped", r.URL.Path, s.streamWrite))
	}
	return err
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	var req ipc.ConnectRequest
	if r.ContentLength != 0 {
		if err := readJSON(r, &req); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	if err := s.m.Connect(req.Profile); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusAccepted, s.statusFor(r, s.m.Status()))
}

func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	s.m.Disconnect()
	writeJSON(w, http.StatusOK, s.statusFor(r, s.m.Status()))
}

func (s *Server) profiles(w http.ResponseWriter, r *http.Request) {
	ps, err := s.m.Profiles()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

func (s *Server) importProfile(w http.ResponseWriter, r *http.Request) {
	var req ipc.ImportRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	importer := s.m.ImportNew
	if req.Replace {
		importer = s.m.Import
	}
	resp, err := importer(req.Name, req.Text)
	switch {
	case errors.Is(err, ErrProfileExists):
		writeError(w, http.StatusConflict, err)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) removeProfile(w http.ResponseWriter, r *http.Request) {
	if err := s.m.RemoveProfile(r.PathValue("name")); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) renameProfile(w http.ResponseWriter, r *http.Request) {
	var req ipc.RenameRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.m.RenameProfile(r.PathValue("name"), req.Name); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	resp, err := s.m.Export(r.PathValue("name"))
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.m.Settings())
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	var in settings.Settings
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	out, err := s.m.SetSettings(in)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// splitExec moves the caller itself, as the kernel identified it at
// connect, never a process named in the request.
func (s *Server) splitExec(w http.ResponseWriter, r *http.Request) {
	var req ipc.SplitExecRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	mode, err := settings.ParseSplitMode(string(req.Mode))
	if err == nil && mode == settings.SplitOff {
		err = errors.New("choose the bypass or vpn-only group")
	}
	if err == nil {
		id := identity(r)
		err = s.m.SplitExec(mode, id.PID, id.UID)
	}
	if err != nil {
		writeError(w, http.StatusConflict, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) firewall(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.m.FirewallDescription())
}

// check runs the self-check. Anyone who may read the status may run it: it
// reveals no more than the status and the firewall description do.
func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.m.Check(r.Context()))
}

func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	n := 200
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, errors.New("n must be a number from 1 to 10000"))
			return
		}
	}
	lines, err := logging.Tail(s.m.env.StateDir, n)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if r.URL.Query().Get("follow") != "1" {
		writeJSON(w, http.StatusOK, ipc.LogsResponse{Lines: lines})
		return
	}
	s.followLogs(w, r, lines)
}

// followLogs streams the log as plain text lines until the client leaves
// or stops reading.
func (s *Server) followLogs(w http.ResponseWriter, r *http.Request, first []string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rc := http.NewResponseController(w)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	write := func(lines ...string) {
		rc.SetWriteDeadline(time.Now().Add(s.streamWrite))
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		if s.streamErr(r, rc.Flush()) != nil {
			cancel()
		}
	}
	write(first...)
	logging.Follow(ctx, s.m.env.StateDir, func(line string) { write(line) })
}

// statusOf maps manager errors to HTTP codes.
func statusOf(err error) int {
	var pe *profile.ParseError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.As(err, &pe), errors.Is(err, ErrProfileInUse), errors.Is(err, ErrProfileExists):
		return http.StatusConflict
	case errors.Is(err, ErrNoProfileChosen):
		return http.StatusPreconditionFailed
	}
	return http.StatusBadRequest
}
