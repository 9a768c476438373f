package ipc

import "reflect"

// OnlyCountersDiffer reports whether a and b differ at most in the traffic
// counters and the last handshake time, the fields that move every second
// while connected. Such a push means nothing to a tray, which shows neither.
func OnlyCountersDiffer(a, b Status) bool {
	a.RxBytes, a.TxBytes, a.LastHandshake = 0, 0, nil
	b.RxBytes, b.TxBytes, b.LastHandshake = 0, 0, nil
	return reflect.DeepEqual(a, b)
}
