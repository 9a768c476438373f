//go:build !windows

package platform

// SendsDNSToEveryAdapter is false where the system resolver asks only the
// servers Palisade configured (resolv.conf, systemd-resolved's default
// route, scutil's primary service).
const SendsDNSToEveryAdapter = false
