package dnsproxy

// loopbackZone is the interface index of Windows' "Loopback Pseudo-Interface 1",
// which is always 1; Go accepts numeric zones there.
const loopbackZone = "1"
