package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const hybrid = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

func TestParseMountinfo(t *testing.T) {
	cases := []struct {
		text string
		want Mount
	}{
		{hybrid, Mount{"/sys/fs/cgroup/unified", "/"}},
		{"25 21 0:22 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n", Mount{"/sys/fs/cgroup", "/"}},
		// a container sees a subtree; a mount point with a space is escaped
		{"1 0 0:5 /user.slice/x /sys/fs/my\\040cg rw master:3 - cgroup2 cgroup2 rw\n", Mount{"/sys/fs/my cg", "/user.slice/x"}},
	}
	for _, c := range cases {
		got, err := ParseMountinfo(c.text)
		if err != nil || got != c.want {
			t.Errorf("ParseMountinfo(%q) = %+v, %v; want %+v", c.text, got, err, c.want)
		}
	}
	if _, err := ParseMountinfo(hybrid[:100]); !errors.Is(err, ErrNoCgroup2) {
		t.Errorf("no cgroup2 line: %v", err)
	}
	if _, err := ParseMountinfo("1 0 0:5 x y rw - cgroup2 cgroup2 rw\n"); err == nil {
		t.Error("relative mount point accepted")
	}
}

func TestParseProcCgroup(t *testing.T) {
	got, err := ParseProcCgroup("9:name=systemd:/\n8:pids:/\n0::/palisade-bypass/\n")
	if err != nil || got != "/palisade-bypass" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"9:name=systemd:/\n", "0::relative\n", ""} {
		if _, err := ParseProcCgroup(bad); err == nil {
			t.Errorf("ParseProcCgroup(%q) accepted", bad)
		}
	}
}

func TestRelLevel(t *testing.T) {
	for _, bad := range []string{"", "/", "../x", "a/../b", "a//b", "a/./b", "cgroup.procs", "a/cgroup.procs"} {
		if _, err := Rel(bad); err == nil {
			t.Errorf("Rel(%q) accepted", bad)
		}
	}
	rel, err := Rel("/test-1/palisade-bypass/")
	if err != nil || rel != "test-1/palisade-bypass" {
		t.Fatalf("Rel = %q, %v", rel, err)
	}
	m := Mount{Point: "/sys/fs/cgroup/unified", Root: "/"}
	if m.Level(Bypass) != 1 || m.Level(rel) != 2 {
		t.Errorf("levels %d %d, want 1 2", m.Level(Bypass), m.Level(rel))
	}
	if got := m.Path(rel); got != "/sys/fs/cgroup/unified/test-1/palisade-bypass" {
		t.Errorf("Path = %q", got)
	}
	sub := Mount{Point: "/sys/fs/cgroup", Root: "/user.slice"}
	if sub.Level(Bypass) != 2 {
		t.Errorf("level below a subtree mount = %d, want 2", sub.Level(Bypass))
	}
}

func FuzzParseMountinfo(f *testing.F) {
	addCorpus(f, "mountinfo")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ParseMountinfo(text)
		if err == nil && (m.Point == "" || m.Point[0] != '/' || m.Root == "" || m.Root[0] != '/') {
			t.Fatalf("accepted %q as %+v", text, m)
		}
	})
}

func FuzzParseProcCgroup(f *testing.F) {
	addCorpus(f, "proccgroup")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParseProcCgroup(text)
		if err == nil && (p == "" || p[0] != '/') {
			t.Fatalf("accepted %q as %q", text, p)
		}
	})
}

// addCorpus seeds a fuzz target with the files in testdata/NAME.
func addCorpus(f *testing.F, name string) {
	files, err := filepath.Glob(filepath.Join("testdata", name, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no corpus in testdata/%s: %v", name, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}
