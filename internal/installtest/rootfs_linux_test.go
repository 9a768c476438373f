package installtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rootfsPackages are installed in the cached Debian tree: what the issue
// names plus nothing else, so the .deb must bring or find all it needs.
var rootfsPackages = []string{"systemd", "systemd-sysv", "dbus", "nftables", "iproute2"}

// offlinePackages are only downloaded into the tree's apt cache: the
// systemd-resolved and resolvconf variants install them offline, inside the
// container (they conflict, so no tree can hold both).
var offlinePackages = []string{"systemd-resolved", "resolvconf"}

// rootfsRecipe changes whenever the way the tree is made changes, so an old
// cache is not reused for a new recipe.
const rootfsRecipe = "1"

// cachedRootfs returns a minimal Debian tree of this machine's release,
// made by debootstrap on first use and kept in the cache directory
// ($PALISADE_TEST_CACHE, default /var/cache/palisade-test) under a name
// keyed by the recipe and package lists. Parallel test runs wait on a lock.
func cachedRootfs(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PALISADE_TEST_CACHE")
	if base == "" {
		base = "/var/cache/palisade-test"
	}
	suite, err := hostSuite()
	if err != nil {
		t.Skipf("cannot tell this machine's Debian release: %v", err)
	}
	sum := sha256.Sum256([]byte(rootfsRecipe + "\n" + suite + "\n" + strings.Join(rootfsPackages, ",") + "\n" + strings.Join(offlinePackages, ",")))
	dir := filepath.Join(base, "debian-"+suite+"-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "etc", "os-release")); err == nil {
		return dir
	}
	mirror, err := mirrorFromApt(suite)
	if err != nil {
		t.Skipf("no Debian mirror in this machine's apt sources: %v", err)
	}
	start := time.Now()
	stale, _ := filepath.Glob(dir + ".tmp*")
	for _, d := range stale {
		removeTree(t, d)
	}
	tmp := fmt.Sprintf("%s.tmp%d", dir, os.Getpid())
	defer removeTree(t, tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	steps := [][]string{
		{"debootstrap", "--variant=minbase", "--include=" + strings.Join(rootfsPackages, ","), suite, tmp, mirror},
		{"chroot", tmp, "apt-get", "-q", "-o", "Acquire::Languages=none", "update"},
	}
	for _, p := range offlinePackages {
		steps = append(steps, []string{"chroot", tmp, "apt-get", "-q", "-y", "--no-install-recommends", "--download-only", "install", p})
	}
	for _, s := range steps {
		cmd := exec.CommandContext(ctx, s[0], s[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(s, " "), err, tail(out, 3000))
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("made the Debian %s tree %s from %s in %s", suite, dir, mirror, time.Since(start).Round(time.Second))
	return dir
}

// removeTree deletes a half-made tree, after unmounting whatever a killed
// debootstrap left mounted in it (/proc, /sys, a bind of /dev): deleting
// through such a mount would delete this machine's own files.
func removeTree(t *testing.T, dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			mounts = append(mounts, f[4])
		}
	}
	// Deepest first.
	sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Fatalf("unmount %s before removing %s: %v", m, dir, err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("remove %s: %v", dir, err)
	}
}

// hostSuite is this machine's Debian codename: the container runs the same
// release, so apt's mirror serves it.
func hostSuite() (string, error) {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VERSION_CODENAME="); ok && v != "" {
			return strings.Trim(v, `"`), nil
		}
	}
	return "", fmt.Errorf("/etc/os-release has no VERSION_CODENAME")
}

// mirrorFromApt reads the machine's apt sources for the mirror of suite.
func mirrorFromApt(suite string) (string, error) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, "/etc/apt/sources.list")
	sources := map[string]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".list") && !strings.HasSuffix(f, ".sources") {
			continue
		}
		if b, err := os.ReadFile(f); err == nil {
			sources[f] = string(b)
		}
	}
	return debianMirror(sources, suite)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
