package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/palisadevpn/palisade/service/auth"
	"github.com/palisadevpn/palisade/service/settings"
)

// MaxBody bounds every request and response body the API exchanges.
const MaxBody = 1 << 20

// APIError is an error answered by the service, with its HTTP status.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// IsPermission reports whether err is the service refusing an unauthorized
// caller.
func IsPermission(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusForbidden
}

// ErrUnreachable wraps failures to reach the service at all.
var ErrUnreachable = errors.New("the Palisade service is not reachable")

// DefaultSocket is where the service listens unless told otherwise: a Unix
// socket, or on Windows a named pipe under ProtectedPrefix, so a client
// cannot be tricked into talking to an impostor.
var DefaultSocket = auth.DefaultSocket()

// EnvSocket is the socket $PALISADE_SOCKET names, else DefaultSocket: the
// GUI programs' default for their -socket flag.
func EnvSocket() string {
	if s := os.Getenv("PALISADE_SOCKET"); s != "" {
		return s
	}
	return DefaultSocket
}

// Client talks to the service over its local socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a client for the socket (or pipe) at path.
func NewClient(path string) *Client { return newClient(path, true) }

// NewQuietClient returns a client for the socket (or pipe) at path that
// keeps no connection open between requests. It is for a program that asks
// rarely and otherwise sleeps (the tray): a kept connection's expiry, 30 s
// after each request, woke it once more for nothing, and each wake of an
// idle Go program costs about 60 context switches of the runtime's monitor
// thread.
func NewQuietClient(path string) *Client { return newClient(path, false) }

func newClient(path string, keepIdle bool) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return auth.Dial(ctx, path)
		},
		MaxIdleConns:      2,
		IdleConnTimeout:   30 * time.Second,
		DisableKeepAlives: !keepIdle,
	}
	return &Client{socket: path, http: &http.Client{Transport: tr}}
}

// Socket returns the path the client talks to.
func (c *Client) Socket() string { return c.socket }

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://palisade"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.socket, err)
	}
	defer resp.Body.Close()
	return decodeResponse(resp, out)
}

func decodeResponse(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e ErrorResponse
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("service answered %s", resp.Status)
		}
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("bad answer from service: %w", err)
	}
	return nil
}

// Status returns the current status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodGet, PathStatus, nil, &s)
	return s, err
}

// Watch calls fn with the current status and then with every change, until
// ctx ends or the connection breaks.
func (c *Client) Watch(ctx context.Context, fn func(Status)) error {
	return c.watch(ctx, PathStream, fn)
}

// WatchChanges is Watch without the pushes that change only the traffic
// counters and the handshake time (QueryChangesOnly).
func (c *Client) WatchChanges(ctx context.Context, fn func(Status)) error {
	return c.watch(ctx, PathStream+QueryChangesOnly, fn)
}

// WatchRates is Watch without the pushes that change only the traffic
// counters and the handshake time while the tunnel is idle
// (QueryChangesRates): what a window showing rates and totals needs.
func (c *Client) WatchRates(ctx context.Context, fn func(Status)) error {
	return c.watch(ctx, PathStream+QueryChangesRates, fn)
}

func (c *Client) watch(ctx context.Context, path string, fn func(Status)) error {
	sc, closer, err := c.stream(ctx, path)
	if err != nil {
		return err
	}
	defer closer.Close()
	for sc.Scan() {
		var s Status
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return fmt.Errorf("bad status from service: %w", err)
		}
		fn(s)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// Connect asks the service to connect with the named profile ("" = last used).
func (c *Client) Connect(ctx context.Context, profile string) error {
	return c.do(ctx, http.MethodPost, PathConnect, ConnectRequest{Profile: profile}, nil)
}

// Disconnect asks the service to disconnect.
func (c *Client) Disconnect(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, PathDisconnect, nil, nil)
}

// Profiles lists the stored profiles.
func (c *Client) Profiles(ctx context.Context) ([]ProfileInfo, error) {
	var ps []ProfileInfo
	err := c.do(ctx, http.MethodGet, PathProfiles, nil, &ps)
	return ps, err
}

// Import stores a profile from its wg-quick text under a name not taken yet.
func (c *Client) Import(ctx context.Context, name, text string) (ImportResponse, error) {
	return c.ImportWith(ctx, ImportRequest{Name: name, Text: text})
}

// ImportWith stores a profile as the request says (Replace included).
func (c *Client) ImportWith(ctx context.Context, req ImportRequest) (ImportResponse, error) {
	var r ImportResponse
	err := c.do(ctx, http.MethodPost, PathProfiles, req, &r)
	return r, err
}

// RemoveProfile deletes a stored profile.
func (c *Client) RemoveProfile(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, PathProfile+url.PathEscape(name), nil, nil)
}

// RenameProfile moves a stored profile to a free name; the service's "last
// used" record follows it.
func (c *Client) RenameProfile(ctx context.Context, from, to string) error {
	return c.do(ctx, http.MethodPost, PathProfile+url.PathEscape(from)+"/rename", RenameRequest{Name: to}, nil)
}

// Export returns a profile's full text, private key included.
func (c *Client) Export(ctx context.Context, name string) (ExportResponse, error) {
	var r ExportResponse
	err := c.do(ctx, http.MethodGet, PathProfile+url.PathEscape(name)+"/export", nil, &r)
	return r, err
}

// Settings returns the current settings.
func (c *Client) Settings(ctx context.Context) (settings.Settings, error) {
	var s settings.Settings
	err := c.do(ctx, http.MethodGet, PathSettings, nil, &s)
	return s, err
}

// SetSettings replaces the settings; the service validates them and keeps the
// old ones on error.
func (c *Client) SetSettings(ctx context.Context, s settings.Settings) (settings.Settings, error) {
	var out settings.Settings
	err := c.do(ctx, http.MethodPut, PathSettings, s, &out)
	return out, err
}

// Firewall describes the active kill switch policy and rules.
func (c *Client) Firewall(ctx context.Context) (FirewallResponse, error) {
	var r FirewallResponse
	err := c.do(ctx, http.MethodGet, PathFirewall, nil, &r)
	return r, err
}

// Check runs the service's self-check on the live system and returns its
// report. It takes a few seconds (DNS and the optional outside check).
func (c *Client) Check(ctx context.Context) (CheckReport, error) {
	var r CheckReport
	err := c.do(ctx, http.MethodGet, PathCheck, nil, &r)
	return r, err
}

// SplitExec moves the calling process into the split tunnel's group of
// mode; its children, and a program it executes, stay there.
func (c *Client) SplitExec(ctx context.Context, mode settings.SplitMode) error {
	return c.do(ctx, http.MethodPost, PathSplitExec, SplitExecRequest{Mode: mode}, nil)
}

// Logs returns the last n lines of the service log.
func (c *Client) Logs(ctx context.Context, n int) ([]string, error) {
	var r LogsResponse
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("%s?n=%d", PathLogs, n), nil, &r)
	return r.Lines, err
}

// FollowLogs prints the last n lines of the service log and then every new
// line, until ctx ends.
func (c *Client) FollowLogs(ctx context.Context, n int, fn func(line string)) error {
	sc, closer, err := c.stream(ctx, fmt.Sprintf("%s?n=%d&follow=1", PathLogs, n))
	if err != nil {
		return err
	}
	defer closer.Close()
	for sc.Scan() {
		fn(sc.Text())
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}

// stream opens a long-lived GET and returns a line scanner over its body.
func (c *Client) stream(ctx context.Context, path string) (*bufio.Scanner, io.Closer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://palisade"+path, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, c.socket, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, nil, decodeResponse(resp, nil)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), MaxBody)
	return sc, resp.Body, nil
}
