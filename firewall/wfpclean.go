package firewall

// wfpFilterHead is what cleanup reads of an enumerated WFP filter: its key
// and where it belongs, never its conditions (a foreign filter with a
// condition type nobody here knows must not make cleanup fail).
type wfpFilterHead[K comparable] struct {
	Key      K
	Provider *K
	Sublayer K
}

// wfpOwnedFilters picks the keys of Palisade's filters from an enumeration
// that was already asked for our provider only: a filter is ours when it
// names our provider or sits in our sublayer. The check is repeated here so
// that nothing foreign is ever deleted, whatever the enumeration returned.
func wfpOwnedFilters[K comparable](heads []wfpFilterHead[K], provider, sublayer K) []K {
	var keys []K
	for _, h := range heads {
		if (h.Provider != nil && *h.Provider == provider) || h.Sublayer == sublayer {
			keys = append(keys, h.Key)
		}
	}
	return keys
}

// wfpCleanupLayers are the layers Palisade adds filters to; cleanup
// enumerates each of them for our provider's filters (WFP enumeration
// templates name one layer at a time).
func wfpCleanupLayers() []wfpLayer {
	return []wfpLayer{layerConnectV4, layerConnectV6, layerAcceptV4, layerAcceptV6}
}

// Filter enumeration flags (FWPM_FILTER_ENUM_TEMPLATE0). Without them
// FwpmFilterEnum0 leaves out boot-time filters and filters BFE disabled at
// its start, and cleanup must see every filter of ours: a boot-time one
// left behind keeps our sublayer in use, so deleting the sublayer fails
// (every later Apply and the uninstall's cleanup with it), and it blocks
// each boot until BFE starts.
const (
	fwpFilterEnumIncludeBootTime        = 0x8
	fwpFilterEnumIncludeDisabled        = 0x10
	wfpCleanupEnumFlags          uint32 = fwpFilterEnumIncludeBootTime | fwpFilterEnumIncludeDisabled
)
