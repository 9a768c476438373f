package tunnel

import (
	"crypto/sha256"
	"strings"
)

// WintunDLL is the Wintun driver's user-mode library. The Windows installer
// puts the official signed build next to palisaded.exe.
const WintunDLL = "wintun.dll"

// wintunPath is where the service loads wintun.dll from: the directory of
// its own executable, by full path, so a wintun.dll planted anywhere on the
// DLL search path is never picked up. exe may use either path separator,
// so this is decided (and tested) without the Windows path package.
func wintunPath(exe string) string {
	i := strings.LastIndexAny(exe, `\/`)
	if i < 0 {
		return WintunDLL
	}
	return exe[:i+1] + WintunDLL
}

// adapterGUIDSalt makes the GUIDs Palisade's own: another WireGuard client
// deriving from the same interface name must not get the same adapter.
const adapterGUIDSalt = "palisade wintun adapter v1\x00"

// AdapterGUID is the GUID requested for the Windows tunnel adapter of the
// interface name. It is the same on every connect, so Windows recognises the
// adapter and keeps one network profile ("Palisade") instead of creating a
// new "Network N" each time, as wireguard-windows does with its
// deterministic GUIDs. The bytes are a hash of the name with the RFC 4122
// variant and version 8 (custom) bits set; the layout is the GUID's
// in-memory order (Data1..Data3 little-endian on Windows).
func AdapterGUID(name string) [16]byte {
	sum := sha256.Sum256([]byte(adapterGUIDSalt + name))
	var g [16]byte
	copy(g[:], sum[:16])
	g[7] = g[7]&0x0f | 0x80 // version 8 in Data3's high nibble (little-endian)
	g[8] = g[8]&0x3f | 0x80 // RFC 4122 variant
	return g
}
