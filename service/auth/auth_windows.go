package auth

import (
	"context"
	"fmt"
	"net"

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

// Listen creates the service's named pipe.
func Listen(path string) (net.Listener, error) {
	return winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: pipeSDDL})
}

// Dial connects a client to the service's named pipe.
func Dial(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, path)
}

// FromConn identifies a named-pipe client from the token of the process that
// holds the client end.
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
	name := sid.String()
	if account, domain, _, err := sid.LookupAccount(""); err == nil {
		name = domain + `\` + account
	}
	return Identity{
		UID:        int(sid.SubAuthority(uint32(sid.SubAuthorityCount()) - 1)),
		Name:       name,
		Authorized: decideSIDs(sid.String(), enabled, palisadeGroupSID()),
	}, nil
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
