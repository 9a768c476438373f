// Package auth decides who may talk to the service over its local IPC channel
// and what they may do. Identity comes from the kernel (peer credentials of a
// Unix socket, the token of a named-pipe client), never from anything the
// client says about itself.
package auth

import (
	"context"
	"log/slog"
	"slices"
)

// GroupName is the local group whose members may change the service's state
// without being root or an administrator.
const GroupName = "palisade"

// Identity is who is on the other end of an IPC connection.
type Identity struct {
	UID  int    // numeric user id; -1 when unknown; on Windows the RID of the user SID
	GIDs []int  // effective gid and supplementary groups (Unix only)
	Name string // user name, for logs
	// PID is the peer process as the kernel recorded it at connect (Unix);
	// 0 when unknown. The split tunnel moves exactly this process.
	PID        int
	Authorized bool // may change state; everyone may read status
	// Session tells that the peer's user is logged in on this machine
	// (Linux: logind tracks the uid; macOS: the console user; Windows:
	// an interactive logon). Such users share a reserve of connections
	// that uids without a session (user namespaces) cannot take.
	Session bool
}

// Decide reports whether a Unix peer may change state: root always may, and so
// may members of the palisade group when that group exists on this machine.
func Decide(uid int, gids []int, groupGID int, haveGroup bool) bool {
	if uid == 0 {
		return true
	}
	return haveGroup && slices.Contains(gids, groupGID)
}

// DecideCapped is Decide for credentials the kernel cuts off at capN groups
// (macOS LOCAL_PEERCRED reports at most 16, the effective gid included): when
// the palisade group is not among them and the list is full, the group
// database decides through member. A failing lookup denies. The database is
// asked only then, so the kernel's record of the peer stays what counts.
func DecideCapped(uid int, gids []int, groupGID int, haveGroup bool, capN int, member func(uid, gid int) (bool, error)) bool {
	if Decide(uid, gids, groupGID, haveGroup) {
		return true
	}
	if !haveGroup || uid < 0 || len(gids) < capN {
		return false
	}
	ok, err := member(uid, groupGID)
	if err != nil {
		slog.Warn("palisade group membership lookup failed, denying", "uid", uid, "err", err)
	}
	return err == nil && ok
}

type ctxKey struct{}

// WithIdentity returns a context carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// connKey marks a context whose identity is read from its connection at
// the time of asking (see confirmByClient).
type connKey struct{}

// IdentityFrom returns the identity stored by WithIdentity or ConnContext.
// A connection whose identity must be confirmed and was not (no data read)
// is unprivileged.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	if id, ok := ctx.Value(ctxKey{}).(Identity); ok {
		return id, true
	}
	pc, ok := ctx.Value(connKey{}).(*peerConn)
	if !ok {
		return Identity{}, false
	}
	pc.idMu.Lock()
	defer pc.idMu.Unlock()
	if !pc.confirmed {
		return Identity{UID: -1}, true
	}
	return pc.id, true
}

// Well-known SIDs that may always change state on Windows, and the one
// that marks an interactive logon.
const (
	sidLocalSystem    = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
	sidInteractive    = "S-1-5-4"
)

// interactiveSIDs tells from a Windows token's enabled groups whether it
// belongs to an interactive logon (console or remote desktop), the Windows
// counterpart of a login session.
func interactiveSIDs(enabledGroups []string) bool {
	return slices.Contains(enabledGroups, sidInteractive)
}

// decideSIDs is Decide for a Windows token: SYSTEM, an enabled (elevated)
// Administrators membership or an enabled palisade group membership.
// Deny-only groups of a UAC-filtered token are not passed in, so an
// administrator's unelevated apps need the palisade group like anyone else.
func decideSIDs(user string, enabledGroups []string, palisadeGroup string) bool {
	if user == sidLocalSystem || slices.Contains(enabledGroups, sidAdministrators) {
		return true
	}
	return palisadeGroup != "" && slices.Contains(enabledGroups, palisadeGroup)
}
