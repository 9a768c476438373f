// Package installer holds the service definitions (systemd unit, launchd
// plist) and renders them for a given binary path. `palisaded install` and
// the package builds (scripts/packages.sh) both render from here, so the
// service runs with the same definition however it was installed.
package installer

import (
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode"
)

//go:embed linux/palisaded.service.tmpl linux/palisaded-early-block.service.tmpl darwin/com.palisadevpn.palisaded.plist.tmpl darwin/Info.plist.tmpl
var templates embed.FS

// LaunchdLabel is the launchd job label, also the plist's base name in
// /Library/LaunchDaemons.
const LaunchdLabel = "com.palisadevpn.palisaded"

// SystemdUnitName is the unit's file name.
const SystemdUnitName = "palisaded.service"

// SystemdEarlyUnitName is the file name of the unit that runs `palisaded
// early-block` at boot, before the network is up.
const SystemdEarlyUnitName = "palisaded-early-block.service"

const placeholder = "{{Executable}}"

// SystemdUnit renders the systemd unit for the service binary at exe.
func SystemdUnit(exe string) (string, error) {
	return systemdRender("linux/palisaded.service.tmpl", exe)
}

// SystemdEarlyUnit renders the early-boot block unit for the service
// binary at exe.
func SystemdEarlyUnit(exe string) (string, error) {
	return systemdRender("linux/palisaded-early-block.service.tmpl", exe)
}

func systemdRender(name, exe string) (string, error) {
	if err := checkPath(exe); err != nil {
		return "", err
	}
	// systemd expands % specifiers and splits ExecStart on spaces.
	arg := strings.ReplaceAll(exe, "%", "%%")
	if strings.ContainsRune(arg, ' ') {
		arg = `"` + arg + `"`
	}
	return render(name, arg)
}

// LaunchdPlist renders the launchd plist for the service binary at exe.
func LaunchdPlist(exe string) (string, error) {
	if err := checkPath(exe); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := xml.EscapeText(&b, []byte(exe)); err != nil {
		return "", err
	}
	return render("darwin/"+LaunchdLabel+".plist.tmpl", b.String())
}

// checkPath refuses paths that could not be written into a service file
// unambiguously. The rendered file is also handed to kardianos/service as a
// template, so it must not contain template delimiters either.
func checkPath(exe string) error {
	if !strings.HasPrefix(exe, "/") {
		return fmt.Errorf("installer: binary path %q is not absolute", exe)
	}
	if strings.ContainsAny(exe, `"\`) || strings.Contains(exe, "{{") || strings.Contains(exe, "}}") {
		return fmt.Errorf("installer: binary path %q contains quotes, backslashes or braces", exe)
	}
	if strings.ContainsFunc(exe, unicode.IsControl) {
		return fmt.Errorf("installer: binary path %q contains control characters", exe)
	}
	return nil
}

func render(name, exe string) (string, error) {
	b, err := templates.ReadFile(name)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), placeholder, exe), nil
}
