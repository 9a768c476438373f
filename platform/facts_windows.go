package platform

// SendsDNSToEveryAdapter is true on Windows: its DNS client queries the
// servers of every adapter (smart multi-homed name resolution), so the
// firewall must keep port 53 on the local resolver while a full tunnel is
// up, kill switch or not.
const SendsDNSToEveryAdapter = true
