package auth

import (
	"os/user"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// hasSession tells whether uid is the console user, the owner of
// /dev/console (the user logged in at the login window; root when nobody
// is). launchd's per-user agents, the tray among them, run as that user.
func hasSession(uid int) bool {
	var st unix.Stat_t
	return uid > 0 && unix.Stat("/dev/console", &st) == nil && int(st.Uid) == uid
}

// DefaultSocket is where the service listens on this OS.
func DefaultSocket() string { return "/var/run/palisade/palisaded.sock" }

// peerCreds reads LOCAL_PEERCRED, captured by the kernel at connect time. The
// first group is the effective gid, the rest are supplementary groups.
func peerCreds(fd int) (int, []int, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	n := min(int(cred.Ngroups), len(cred.Groups))
	gids := make([]int, 0, n)
	for _, g := range cred.Groups[:n] {
		gids = append(gids, int(g))
	}
	return int(cred.Uid), gids, nil
}

// authorize decides from LOCAL_PEERCRED's groups, which stop at XU_NGROUPS
// (16): a user in more groups is looked up in the group database.
func authorize(uid int, gids []int, groupGID int, haveGroup bool) bool {
	return DecideCapped(uid, gids, groupGID, haveGroup, len(unix.Xucred{}.Groups), dbMember)
}

// dbMember asks the group database through getgrouplist(3), which on macOS
// answers from Open Directory with every group of the user, not a
// 16-entry credential.
func dbMember(uid, gid int) (bool, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return false, err
	}
	ids, err := u.GroupIds()
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, strconv.Itoa(gid)), nil
}

// peerPID reads the connecting process's id from LOCAL_PEERPID; 0 if unknown.
func peerPID(fd int) int {
	pid, err := unix.GetsockoptInt(fd, unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	if err != nil {
		return 0
	}
	return pid
}
