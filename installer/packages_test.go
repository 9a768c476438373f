package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/palisadevpn/palisade/internal/desktopnote"
	"github.com/palisadevpn/palisade/internal/testenv"
)

// TestPackageScripts checks every maintainer script parses as POSIX sh and
// is executable, since packaging tools copy the mode.
func TestPackageScripts(t *testing.T) {
	scripts := []string{
		"linux/postinst.sh", "linux/prerm.sh", "linux/postrm.sh",
		"darwin/scripts/preinstall", "darwin/scripts/postinstall", "darwin/uninstall.sh",
	}
	for _, s := range scripts {
		fi, err := os.Stat(s)
		if err != nil {
			t.Fatal(err)
		}
		// Windows keeps no executable bit (git records it, the packages
		// are built on Linux and macOS).
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", s, err, out)
		}
	}
}

// TestNfpmConfigPaths checks that the files nfpm.yaml names exist (paths are
// relative to the repository root, where packages.sh runs nfpm) and that the
// unit goes where systemd looks for packaged units.
func TestNfpmConfigPaths(t *testing.T) {
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	re := regexp.MustCompile(`(?m)^\s+(?:- src|postinstall|preremove|postremove): (\S+)$`)
	matches := re.FindAllStringSubmatch(cfg, -1)
	if len(matches) < 7 {
		t.Fatalf("found only %d file references in nfpm.yaml", len(matches))
	}
	for _, m := range matches {
		if strings.HasPrefix(m[1], "${") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("nfpm.yaml names a missing file: %v", err)
		}
	}
	for _, want := range []string{"dst: /usr/lib/systemd/system/" + SystemdUnitName, "dst: /usr/lib/systemd/system/" + SystemdEarlyUnitName, "dst: /usr/bin/palisaded", "# gui-begin", "# gui-end"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("nfpm.yaml lacks %q", want)
		}
	}
}

// msiTable exports one table of an MSI as rows of tab-separated fields,
// without msiinfo's three header lines.
func msiTable(t *testing.T, msi, table string) [][]string {
	t.Helper()
	out, err := exec.Command("msiinfo", "export", msi, table).Output()
	if err != nil {
		t.Fatalf("msiinfo export %s: %v", table, err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\r\n"), "\n")
	var rows [][]string
	for i, l := range lines {
		if i >= 3 {
			rows = append(rows, strings.Split(strings.TrimRight(l, "\r"), "\t"))
		}
	}
	return rows
}

// TestWixlBuildsMSI builds the .msi from stand-in binaries and a stand-in
// wintun.dll in a temporary directory (never dist/) and checks what it
// ships: the three programs, wintun.dll beside the service, a Start menu
// shortcut, the launch-at-login value, the toasts' app ID registered with
// a name and an icon, and the custom actions that keep the kill switch
// through an upgrade, register the service and clean up on uninstall, in
// the right order.
func TestWixlBuildsMSI(t *testing.T) {
	wixl := testenv.NeedTool(t, "wixl", "wixl")
	testenv.NeedTool(t, "msiinfo", "msitools")
	dir := t.TempDir()
	for _, b := range []string{"palisaded.exe", "palisade.exe", "palisade-gui.exe", "palisade-window.exe", "wintun.dll", "palisade.png"} {
		if err := os.WriteFile(filepath.Join(dir, b), []byte("MZ stand-in"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wxs, err := filepath.Abs("windows/palisade.wxs")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wixl, "-a", "x64", "-D", "Version=1.2.3", "-D", "BinDir=.", "-o", "palisade.msi", wxs)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wixl: %v\n%s", err, out)
	}
	msi := filepath.Join(dir, "palisade.msi")
	// As scripts/msi.sh does: wixl writes rollback actions as immediate.
	if out, err := exec.Command("bash", "windows/rollback-fix.sh", msi, wxs).CombinedOutput(); err != nil {
		t.Fatalf("rollback-fix.sh: %v\n%s", err, out)
	}

	files := map[string]string{} // file name -> component
	for _, r := range msiTable(t, msi, "File") {
		files[r[2]] = r[1]
	}
	for _, f := range []string{"palisaded.exe", "palisade.exe", "palisade-gui.exe", "palisade-window.exe", "wintun.dll", "palisade.png"} {
		if files[f] == "" {
			t.Errorf("MSI does not install %s: %v", f, files)
		}
	}
	dirOf := map[string]string{} // component -> directory
	for _, r := range msiTable(t, msi, "Component") {
		dirOf[r[0]] = r[2]
	}
	if d := dirOf[files["wintun.dll"]]; d == "" || d != dirOf[files["palisaded.exe"]] {
		t.Errorf("wintun.dll goes to %q, palisaded.exe to %q: the service loads it from its own directory", d, dirOf[files["palisaded.exe"]])
	}
	if d := dirOf[files["palisade-window.exe"]]; d == "" || d != dirOf[files["palisade-gui.exe"]] {
		t.Errorf("palisade-window.exe goes to %q, palisade-gui.exe to %q: the tray starts the window from its own directory", d, dirOf[files["palisade-gui.exe"]])
	}
	shortcut := false
	for _, r := range msiTable(t, msi, "Shortcut") {
		shortcut = shortcut || (r[1] == "ProgramMenuFolder" && r[3] == files["palisade-gui.exe"])
	}
	if !shortcut {
		t.Error("no Start menu shortcut to palisade-gui.exe")
	}
	run := false
	toast := map[string]string{} // value name -> data under the app ID's key
	for _, r := range msiTable(t, msi, "Registry") {
		run = run || (r[2] == `Software\Microsoft\Windows\CurrentVersion\Run` && r[3] == "Palisade" &&
			r[4] == `"[INSTALLDIR]palisade-gui.exe" --hidden`)
		if r[1] == "2" && r[2] == `Software\Classes\AppUserModelId\`+desktopnote.AppID {
			toast[r[3]] = r[4]
		}
	}
	if !run {
		t.Error("no launch-at-login Run value matching the settings pane's")
	}
	// HKLM, for every user; the icon is the one the MSI installs.
	if toast["DisplayName"] != desktopnote.AppName || toast["IconUri"] != "[INSTALLDIR]palisade.png" || dirOf[files["palisade.png"]] != "INSTALLDIR" {
		t.Errorf("toast app ID %s registered as %v (icon in %q), want DisplayName %q and IconUri [INSTALLDIR]palisade.png",
			desktopnote.AppID, toast, dirOf[files["palisade.png"]], desktopnote.AppName)
	}
	commands := map[string]string{}
	types := map[string]int{}
	for _, r := range msiTable(t, msi, "CustomAction") {
		if r[2] == "palisaded.exe" {
			commands[r[0]] = r[3]
			types[r[0]], _ = strconv.Atoi(r[1])
		}
	}
	// prepare-restart writes into the SYSTEM-only state directory: deferred
	// (0x400), not impersonated (0x800); a failure must not stop the
	// upgrade (0x40: return ignored).
	if ty := types["PrepareRestart"]; ty&0xc40 != 0xc40 {
		t.Errorf("PrepareRestart has type %#x: want deferred, not impersonated, return ignored", ty)
	}
	// Every action runs in the script as SYSTEM (in-script 0x400, not
	// impersonated 0x800); the rollback ones (0x100) only when the
	// installation fails: an immediate one ran during script generation.
	// A failed install (after the old version's stop kept its block,
	// persistent) unregisters the service, then cleans up: rollback
	// actions run in reverse, so the cleanup is sequenced first.
	rollbacks := []string{"CleanupRollback", "ServiceInstallRollback", "ServiceStopRollback", "ServiceUninstallRollback"}
	for action, ty := range types {
		rollback := slices.Contains(rollbacks, action)
		if ty&0xc00 != 0xc00 || (ty&0x100 != 0) != rollback {
			t.Errorf("%s has type %#x: want in-script, not impersonated, rollback %v", action, ty, rollback)
		}
	}
	for action, want := range map[string]string{"CleanupRollback": "cleanup", "PrepareRestart": "prepare-restart", "ServiceStop": "stop", "ServiceInstall": "install", "ServiceStart": "start", "Cleanup": "cleanup", "ServiceInstallRollback": "uninstall",
		"ServiceStopRollback": "start", "ServiceUninstallRollback": "install"} {
		if commands[action] != want {
			t.Errorf("custom action %s runs %q, want palisaded %s", action, commands[action], want)
		}
	}

	// Upgrades and downgrades both remove the installed version first.
	up := msiTable(t, msi, "Upgrade")
	if len(up) != 1 || up[0][1] != "0.0.0" || up[0][2] != "" || up[0][6] != "OLDERFOUND" {
		t.Errorf("Upgrade table %v: want every version from 0.0.0 up, downgrades included", up)
	}

	seq := map[string]int{}
	cond := map[string]string{}
	for _, r := range msiTable(t, msi, "InstallExecuteSequence") {
		if n, err := strconv.Atoi(r[len(r)-1]); err == nil && len(r) == 3 {
			seq[r[0]], cond[r[0]] = n, r[1]
		}
	}
	// A rollback action comes right before the action it undoes.
	order := []string{"InstallValidate", "RemoveExistingProducts", "InstallInitialize", "PrepareRestart",
		"ServiceStopRollback", "ServiceStop", "ServiceUninstallRollback", "ServiceUninstall", "Cleanup",
		"RemoveFiles", "InstallFiles", "CleanupRollback", "ServiceInstallRollback", "ServiceInstall", "ServiceStart", "InstallFinalize"}
	prev := ""
	for _, a := range order {
		if seq[a] == 0 {
			t.Fatalf("action %s missing from InstallExecuteSequence: %v", a, seq)
		}
		if prev != "" && seq[a] <= seq[prev] {
			t.Errorf("%s (%d) is not after %s (%d)", a, seq[a], prev, seq[prev])
		}
		prev = a
	}
	// A repair or uninstall that fails after the service was stopped and
	// unregistered leaves the product installed: its rollback registers
	// the service again and starts it, under the same condition.
	for undo, done := range map[string]string{"ServiceStopRollback": "ServiceStop", "ServiceUninstallRollback": "ServiceUninstall"} {
		if cond[undo] != cond[done] || cond[done] == "" {
			t.Errorf("%s runs on %q, %s on %q: want the same condition", undo, cond[undo], done, cond[done])
		}
	}
	if c := cond["Cleanup"]; !strings.Contains(c, `REMOVE="ALL"`) || !strings.Contains(c, "NOT UPGRADINGPRODUCTCODE") {
		t.Errorf("Cleanup runs on %q: it must run on uninstall only, not when an upgrade removes the old version", c)
	}
	// Before the old version's service stops: when an upgrade removes it
	// and on a repair, never on a plain uninstall (whose stop must take
	// the block down).
	if c := cond["PrepareRestart"]; c != `Installed AND (UPGRADINGPRODUCTCODE OR NOT (REMOVE="ALL"))` {
		t.Errorf("PrepareRestart runs on %q: want the removal half of an upgrade and repairs only", c)
	}
}

// TestMSIScriptRefusesMissingOrWrongWintun runs scripts/msi.sh without a
// wintun.dll and with a stand-in that is not the pinned build: both must
// say that no MSI is built, and why, and leave nothing in the output.
func TestMSIScriptRefusesMissingOrWrongWintun(t *testing.T) {
	testenv.NeedTool(t, "wixl", "wixl")
	bin, dist := t.TempDir(), t.TempDir()
	win := filepath.Join(bin, "windows-amd64")
	if err := os.MkdirAll(win, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"palisaded.exe", "palisade.exe", "palisade-gui.exe", "palisade-window.exe"} {
		if err := os.WriteFile(filepath.Join(win, b), []byte("MZ stand-in"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	standIn := filepath.Join(t.TempDir(), "wintun.dll")
	if err := os.WriteFile(standIn, []byte("MZ not wintun"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ env, want string }{
		{"", "set WINTUN_DLL"},
		{"WINTUN_DLL=" + standIn, "not the official Wintun"},
		{"WINTUN_ZIP=" + standIn, "not the official wintun-"},
		{"WINTUN_DLL=" + standIn + ".missing", "does not exist"},
	} {
		cmd := exec.Command("bash", "../scripts/msi.sh")
		cmd.Env = append(os.Environ(), "BIN="+bin, "DIST="+dist, "WINTUN_DLL=", "WINTUN_ZIP=")
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: msi.sh failed instead of skipping: %v\n%s", c.env, err, out)
		}
		if !strings.Contains(string(out), "NO MSI BUILT") || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: output lacks %q:\n%s", c.env, c.want, out)
		}
		if ents, _ := os.ReadDir(dist); len(ents) != 0 {
			t.Fatalf("%s: msi.sh left %v in DIST", c.env, ents)
		}
	}
}
