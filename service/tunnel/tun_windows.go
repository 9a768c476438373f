package tunnel

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/tun"
)

var (
	wintunOnce sync.Once
	wintunErr  error
)

// loadWintun loads wintun.dll by full path from the service's directory
// before the wintun package asks for it by name: a module of that name is
// then already loaded, so the loader never searches for another one.
func loadWintun() error {
	wintunOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			wintunErr = err
			return
		}
		path := wintunPath(exe)
		_, err = windows.LoadLibraryEx(path, 0, windows.LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR|windows.LOAD_LIBRARY_SEARCH_SYSTEM32)
		if err != nil {
			wintunErr = fmt.Errorf("load %s (the installer puts it next to palisaded.exe): %w", path, err)
		}
	})
	return wintunErr
}

// createTUN makes the Wintun adapter with Palisade's stable GUID.
func createTUN(name string, mtu int) (tun.Device, error) {
	if err := loadWintun(); err != nil {
		return nil, err
	}
	g := AdapterGUID(name)
	guid := windows.GUID{
		Data1: binary.LittleEndian.Uint32(g[0:4]),
		Data2: binary.LittleEndian.Uint16(g[4:6]),
		Data3: binary.LittleEndian.Uint16(g[6:8]),
	}
	copy(guid.Data4[:], g[8:])
	return tun.CreateTUNWithRequestedGUID(name, &guid, mtu)
}

// forceMTU tells wireguard-go the Wintun adapter's new MTU: Wintun has no
// MTU of its own to report, so the device keeps the one it was created
// with until told (as wireguard-windows' MTU monitor does).
func forceMTU(t tun.Device, mtu int) {
	if nt, ok := t.(*tun.NativeTun); ok {
		nt.ForceMTU(mtu)
	}
}
