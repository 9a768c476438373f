package auth

import "golang.org/x/sys/unix"

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
