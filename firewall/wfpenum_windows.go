package firewall

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procFilterCreateEnumHandle  = fwpuclnt.NewProc("FwpmFilterCreateEnumHandle0")
	procFilterEnum              = fwpuclnt.NewProc("FwpmFilterEnum0")
	procFilterDestroyEnumHandle = fwpuclnt.NewProc("FwpmFilterDestroyEnumHandle0")
	procFilterDeleteByKey       = fwpuclnt.NewProc("FwpmFilterDeleteByKey0")
	procSubLayerDeleteByKey     = fwpuclnt.NewProc("FwpmSubLayerDeleteByKey0")
	procProviderDeleteByKey     = fwpuclnt.NewProc("FwpmProviderDeleteByKey0")
	procFreeMemory              = fwpuclnt.NewProc("FwpmFreeMemory0")
)

// WFP "not found" results: an object already gone is what cleanup wants.
const (
	fwpErrFilterNotFound   = 0x80320003
	fwpErrProviderNotFound = 0x80320005
	fwpErrSublayerNotFound = 0x80320007
	fwpErrInUse            = 0x80320006
)

// fwpmFilterEnumTemplate0 is FWPM_FILTER_ENUM_TEMPLATE0.
type fwpmFilterEnumTemplate0 struct {
	providerKey             *windows.GUID
	layerKey                windows.GUID
	enumType                uint32
	flags                   uint32
	providerContextTemplate uintptr
	numFilterConditions     uint32
	filterCondition         uintptr
	actionMask              uint32
	calloutKey              *windows.GUID
}

// fwpmFilter0Head is the leading part of FWPM_FILTER0, up to the sublayer
// key: all that cleanup reads. The rest (conditions included) is never
// touched, so no filter on the machine can make cleanup fail.
type fwpmFilter0Head struct {
	filterKey    windows.GUID
	name, desc   *uint16
	flags        uint32
	providerKey  *windows.GUID
	providerData struct {
		size uint32
		data *byte
	}
	layerKey    windows.GUID
	subLayerKey windows.GUID
}

// ourFilters enumerates our provider's filters layer by layer, boot-time
// and disabled ones included, and returns their keys and, for Show, their
// lines (wfpShowLine).
func ourFilters(h windows.Handle) (keys []windows.GUID, lines map[windows.GUID]string, err error) {
	lines = map[windows.GUID]string{}
	provider := windows.GUID(wfpProvider)
	for _, l := range wfpCleanupLayers() {
		tmpl := fwpmFilterEnumTemplate0{providerKey: &provider, layerKey: windows.GUID(wfpLayers[l]), flags: wfpCleanupEnumFlags, actionMask: 0xffffffff}
		var enum windows.Handle
		if r, _, _ := procFilterCreateEnumHandle.Call(uintptr(h), uintptr(unsafe.Pointer(&tmpl)), uintptr(unsafe.Pointer(&enum))); r != 0 {
			return nil, nil, fmt.Errorf("wfp: enumerate filters of %v: %w", l, windows.Errno(r))
		}
		var heads []wfpFilterHead[windows.GUID]
		for {
			var entries **fwpmFilter0Head
			var n uint32
			if r, _, _ := procFilterEnum.Call(uintptr(h), uintptr(enum), 100, uintptr(unsafe.Pointer(&entries)), uintptr(unsafe.Pointer(&n))); r != 0 {
				procFilterDestroyEnumHandle.Call(uintptr(h), uintptr(enum))
				return nil, nil, fmt.Errorf("wfp: enumerate filters of %v: %w", l, windows.Errno(r))
			}
			if n == 0 {
				break
			}
			for _, f := range unsafe.Slice(entries, n) {
				hd := wfpFilterHead[windows.GUID]{Key: f.filterKey, Sublayer: f.subLayerKey}
				if f.providerKey != nil {
					p := *f.providerKey
					hd.Provider = &p
				}
				heads = append(heads, hd)
				lines[f.filterKey] = wfpShowLine(f.filterKey.String(), f.flags, windows.UTF16PtrToString(f.name))
			}
			procFreeMemory.Call(uintptr(unsafe.Pointer(&entries)))
		}
		procFilterDestroyEnumHandle.Call(uintptr(h), uintptr(enum))
		keys = append(keys, wfpOwnedFilters(heads, provider, windows.GUID(wfpSublayer))...)
	}
	return keys, lines, nil
}

// removeByKeys deletes our filters, then our sublayer and provider, each by
// its own key. Objects already gone are fine.
func removeByKeys(h windows.Handle) error {
	keys, _, err := ourFilters(h)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := deleteByKey(procFilterDeleteByKey.Call, h, k, fwpErrFilterNotFound); err != nil {
			return fmt.Errorf("wfp: delete filter %v: %w", k, err)
		}
	}
	if err := deleteByKey(procSubLayerDeleteByKey.Call, h, windows.GUID(wfpSublayer), fwpErrSublayerNotFound); err != nil {
		return fmt.Errorf("wfp: delete sublayer: %w", err)
	}
	if err := deleteByKey(procProviderDeleteByKey.Call, h, windows.GUID(wfpProvider), fwpErrProviderNotFound); err != nil {
		if errors.Is(err, windows.Errno(fwpErrInUse)) {
			return fmt.Errorf("wfp: provider still in use by objects not found by key: %w", err)
		}
		return fmt.Errorf("wfp: delete provider: %w", err)
	}
	return nil
}

func deleteByKey(call func(...uintptr) (uintptr, uintptr, error), h windows.Handle, key windows.GUID, notFound uintptr) error {
	r, _, _ := call(uintptr(h), uintptr(unsafe.Pointer(&key)))
	if r != 0 && r != notFound {
		return windows.Errno(r)
	}
	return nil
}
