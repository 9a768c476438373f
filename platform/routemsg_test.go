package platform

import "testing"

func TestRouteEvent(t *testing.T) {
	msg := func(typ byte) []byte { return []byte{92, 0, 5, typ, 0, 0, 0, 0} }
	for typ, want := range map[byte]bool{
		rtmAdd: true, rtmDelete: true, rtmChange: true, rtmNewAddr: true, rtmDelAddr: true, rtmIfInfo: true,
		0x4 /* RTM_GET */ : false, 0x7 /* RTM_MISS */ : false, 0x6 /* RTM_REDIRECT */ : false,
	} {
		if got := routeEvent(msg(typ)); got != want {
			t.Errorf("type %#x: routeEvent = %v, want %v", typ, got, want)
		}
	}
	if routeEvent([]byte{4, 0, 5}) {
		t.Error("a truncated message counted as an event")
	}
}
