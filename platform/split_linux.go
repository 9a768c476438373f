package platform

// SplitTunnelUnavailable says why per-program split tunnelling cannot run
// on this OS; empty on Linux, where cgroups, nftables and policy routing
// carry it (whether cgroup2 is mounted is found at run time).
const SplitTunnelUnavailable = ""
