package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultSocket is where the service listens on this OS.
func DefaultSocket() string { return "/run/palisade/palisaded.sock" }

// logindUsers is where systemd-logind keeps a state file per user with a
// session (or lingering); tests point it elsewhere.
var logindUsers = "/run/systemd/users"

// hasSession tells whether logind tracks uid: a user logged in on a seat,
// over SSH or lingering. uids of user namespaces never are. Without logind
// nobody has a session and the reserve goes unused.
func hasSession(uid int) bool {
	if uid < 0 {
		return false
	}
	_, err := os.Stat(filepath.Join(logindUsers, strconv.Itoa(uid)))
	return err == nil
}

// authorize decides from the full group list SO_PEERGROUPS gives.
func authorize(uid int, gids []int, groupGID int, haveGroup bool) bool {
	return Decide(uid, gids, groupGID, haveGroup)
}

// peerCreds reads SO_PEERCRED and SO_PEERGROUPS, both captured by the kernel
// at connect time, so a peer cannot change them afterwards.
func peerCreds(fd int) (int, []int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	gids := []int{int(cred.Gid)}
	groups, err := peerGroups(fd)
	if err != nil {
		return 0, nil, err
	}
	for _, g := range groups {
		gids = append(gids, int(g))
	}
	return int(cred.Uid), gids, nil
}

// peerPID reads the connecting process's id from SO_PEERCRED; 0 if unknown.
func peerPID(fd int) int {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0
	}
	return int(cred.Pid)
}

// peerGroups reads SO_PEERGROUPS; x/sys has no wrapper for an array-valued
// option, and the kernel answers ERANGE with the size it needs.
func peerGroups(fd int) ([]uint32, error) {
	buf := make([]uint32, 64)
	for range 3 {
		n := uint32(len(buf) * 4)
		_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
		switch {
		case errno == 0:
			return buf[:n/4], nil
		case errors.Is(errno, unix.ERANGE):
			buf = make([]uint32, n/4+1)
		default:
			return nil, errno
		}
	}
	return nil, unix.ERANGE
}
