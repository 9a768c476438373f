package firewall

import (
	"fmt"
	"slices"
	"strings"
)

// wfpFilterText renders one filter under our sublayer as WFP holds it,
// without its key or name: layer, action (hard or soft), weight and
// conditions. Conditions are sorted: they are ANDed across fields and ORed
// within one, so their order means nothing, and WFP need not return them
// in the order they were added. The backend keeps the texts read right
// after it installed its filters; wfpChanged compares a fresh read with
// them.
func wfpFilterText(layer, action string, hard bool, weight uint64, conds []string) string {
	kind := "soft"
	if hard {
		kind = "hard"
	}
	sorted := slices.Sorted(slices.Values(conds))
	return fmt.Sprintf("%s %s %s weight %d [%s]", layer, kind, action, weight, strings.Join(sorted, "; "))
}

// wfpChanged tells whether the filters read now differ from those read
// after the last Apply: a filter added, removed or altered (a condition,
// the action, the weight), whatever the count. Both are taken as
// multisets, since WFP enumerates in its own order.
func wfpChanged(installed, now []string) bool {
	a, b := slices.Sorted(slices.Values(installed)), slices.Sorted(slices.Values(now))
	return !slices.Equal(a, b)
}

// wfpShowLine is one filter in `palisade firewall show`: its key, its
// lifetime read from its FWPM_FILTER0 flags (persistent 0x1, boot-time
// 0x2, disabled by BFE 0x20), so a mode-always block or one kept through
// a restart can be seen to outlive the service, and its name.
func wfpShowLine(key string, flags uint32, name string) string {
	life := "static"
	switch {
	case flags&0x2 != 0:
		life = "boot-time"
	case flags&0x1 != 0:
		life = "persistent"
	}
	if flags&0x20 != 0 {
		life += ",disabled"
	}
	return fmt.Sprintf("%s %s %s", key, life, name)
}
