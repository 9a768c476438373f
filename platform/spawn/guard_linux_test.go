package spawn

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// startCalls are the calls that start a program (or replace the process
// with one), by import path and name.
var startCalls = map[string][]string{
	"os/exec":               {"Command", "CommandContext"},
	"os":                    {"StartProcess"},
	"syscall":               {"ForkExec", "StartProcess", "Exec"},
	"golang.org/x/sys/unix": {"Exec"},
}

// startAllowed are the files of palisaded's Linux build that may start
// programs directly, with the reason.
var startAllowed = map[string]string{
	"platform/spawn/spawn_linux.go":    "the helper itself",
	"cmd/palisaded/servicectl_unix.go": "runs in 'palisaded install', a process without the exec watch",
	"firewall/pfctl.go":                "the macOS pf backend, built everywhere for its tests; Linux uses nftables through netlink",
}

// TestOnlySpawnStartsPrograms: no code of palisaded's Linux build starts a
// program but through package spawn, so the service never waits on its
// own split-tunnel exec watch (see the package doc). Code that calls
// exec.Command and friends directly fails here, naming the line.
func TestOnlySpawnStartsPrograms(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list palisaded's packages")
	}
	const module = "github.com/palisadevpn/palisade"
	list := exec.Command(gobin, "list", "-deps", "-f",
		`{{if .Module}}{{if eq .Module.Path "`+module+`"}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{"\n"}}{{end}}{{end}}`,
		module+"/cmd/palisaded")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, name := range fields[1:] {
			path := filepath.Join(fields[0], name)
			rel, err := filepath.Rel(root, path)
			if err != nil {
				t.Fatal(err)
			}
			files++
			for _, call := range programStarts(t, path) {
				if _, ok := startAllowed[filepath.ToSlash(rel)]; !ok {
					t.Errorf("%s:%s starts a program directly; use spawn.Command", rel, call)
				}
			}
		}
	}
	// The list must have reached the code that starts resolvconf.
	if files < 50 {
		t.Fatalf("only %d files listed:\n%s", files, out)
	}
}

// programStarts lists the calls in the file at path that start a program,
// as "line: pkg.Name".
func programStarts(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // local name -> import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if _, ok := startCalls[p]; !ok {
			continue
		}
		local := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			local = imp.Name.Name
		}
		names[local] = p
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		for _, fn := range startCalls[names[id.Name]] {
			if sel.Sel.Name == fn {
				found = append(found, strconv.Itoa(fset.Position(sel.Pos()).Line)+": "+id.Name+"."+fn)
			}
		}
		return true
	})
	return found
}
