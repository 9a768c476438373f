package auth

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipePath sits under ProtectedPrefix\Administrators, where only
// administrators and SYSTEM can create pipe instances, so an unprivileged
// process cannot squat the name before the service starts.
const pipePath = `\\.\pipe\ProtectedPrefix\Administrators\Palisade\palisaded`

// pipeSDDL lets everyone connect (status is public; requests are authorized
// per client token) but denies clients coming in over the network.
const pipeSDDL = "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;WD)"

// DefaultSocket is the service's named pipe on this OS.
func DefaultSocket() string { return pipePath }

// Pipe buffer quotas. The output quota is what the service may have written
// that a client has not read yet: beyond it writes wait, so a client that
// does not drain runs into the API's write deadlines instead of growing
// kernel buffers. Requests larger than the input quota just take more reads.
const (
	pipeInputBuffer  = 16 << 10
	pipeOutputBuffer = 64 << 10
)

// Listen creates the service's named pipe. go-winio keeps one instance
// waiting for a client and creates the next when it is taken; how many
// connected instances unprivileged clients may hold is capped by Admit,
// which answers and closes refused instances within a second. Clients that
// find no free instance wait in DialPipeContext, as Unix clients wait for
// a full listen queue in Dial.
func Listen(path string) (net.Listener, error) {
	return winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    pipeInputBuffer,
		OutputBufferSize:   pipeOutputBuffer,
	})
}

// Dial connects a client to the service's named pipe at the
// identification level: the service reads the client's token by
// impersonating it (confirmByClient), which an anonymous client, go-winio's
// default, does not allow (OpenThreadToken fails with
// ERROR_CANT_OPEN_ANONYMOUS, so every client, administrators included, was
// read-only). Identification lets the service see who the client is but
// never act as it.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeAccessImpLevel(ctx, path, windows.GENERIC_READ|windows.GENERIC_WRITE, winio.PipeImpLevelIdentification)
}

// FromConn identifies a named-pipe client for admission (connection limits)
// from the token of the process that holds the client end. Authorization
// waits for confirmByClient: a process ID can be reused by the time it is
// looked up.

func FromConn(c net.Conn) (Identity, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return Identity{}, fmt.Errorf("auth: %T is not a named pipe", c)
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(windows.Handle(f.Fd()), &pid); err != nil {
		return Identity{}, fmt.Errorf("auth: pipe client pid: %w", err)
	}
	proc, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return Identity{}, fmt.Errorf("auth: open client process %d: %w", pid, err)
	}
	defer windows.CloseHandle(proc)
	var tok windows.Token
	if err := windows.OpenProcessToken(proc, windows.TOKEN_QUERY, &tok); err != nil {
		return Identity{}, fmt.Errorf("auth: client token: %w", err)
	}
	defer tok.Close()
	return tokenIdentity(tok)
}

func tokenIdentity(tok windows.Token) (Identity, error) {
	tu, err := tok.GetTokenUser()
	if err != nil {
		return Identity{}, err
	}
	tg, err := tok.GetTokenGroups()
	if err != nil {
		return Identity{}, err
	}
	var enabled []string
	for _, g := range tg.AllGroups() {
		if g.Attributes&windows.SE_GROUP_ENABLED != 0 {
			enabled = append(enabled, g.Sid.String())
		}
	}
	sid := tu.User.Sid
	now := time.Now()
	return Identity{
		UID:        int(sid.SubAuthority(uint32(sid.SubAuthorityCount()) - 1)),
		Name:       accountNames.get(sid.String(), now),
		Authorized: decideSIDs(sid.String(), enabled, palisadeGroup.get(struct{}{}, now)),
		Session:    interactiveSIDs(enabled),
	}, nil
}

// palisadeGroup and accountNames remember LSA answers briefly: every
// connecting client is identified in the accept loop (see lookupCache).
var (
	palisadeGroup = newLookupCache(func(struct{}) string { return palisadeGroupSID() })
	accountNames  = newLookupCache(accountName)
)

// accountName is DOMAIN\account for a SID string, or the SID itself.
func accountName(sidString string) string {
	sid, err := windows.StringToSid(sidString)
	if err != nil {
		return sidString
	}
	if account, domain, _, err := sid.LookupAccount(""); err == nil {
		return domain + `\` + account
	}
	return sidString
}

// palisadeGroupSID returns the SID of the local palisade group, or "" when the
// group does not exist.
func palisadeGroupSID() string {
	sid, _, kind, err := windows.LookupSID("", GroupName)
	if err != nil || (kind != windows.SidTypeAlias && kind != windows.SidTypeGroup) {
		return ""
	}
	return sid.String()
}

var (
	advapi32                       = windows.NewLazySystemDLL("advapi32.dll")
	procImpersonateNamedPipeClient = advapi32.NewProc("ImpersonateNamedPipeClient")
)

// confirmByClient identifies the pipe client by impersonating it and reading
// the thread token, as the Windows docs require of pipe servers that
// authorize; it works only once the client has written (the caller reads
// first). The impersonation runs on a thread of its own that is given back
// to the scheduler only after RevertToSelf succeeded.
var confirmByClient = func(c net.Conn) (Identity, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return Identity{}, fmt.Errorf("auth: %T is not a named pipe", c)
	}
	type result struct {
		id  Identity
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		if r, _, err := procImpersonateNamedPipeClient.Call(f.Fd()); r == 0 {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("auth: impersonate pipe client: %w", err)}
			return
		}
		var tok windows.Token
		err := windows.OpenThreadToken(windows.CurrentThread(), windows.TOKEN_QUERY, true, &tok)
		var id Identity
		if err == nil {
			id, err = tokenIdentity(tok)
			tok.Close()
		}
		if rerr := windows.RevertToSelf(); rerr != nil {
			// Still impersonating: the thread ends with this goroutine.
			done <- result{err: fmt.Errorf("auth: revert impersonation: %w", rerr)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{id, err}
	}()
	r := <-done
	return r.id, r.err
}
