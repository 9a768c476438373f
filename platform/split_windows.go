package platform

// SplitTunnelUnavailable says why per-program split tunnelling cannot run
// on Windows: steering one program's connections past the tunnel takes a
// WFP callout driver (kernel mode, signed by Microsoft), as Mullvad ships.
const SplitTunnelUnavailable = "split tunnelling per program is not available on Windows: it needs a WFP callout driver (a kernel driver signed by Microsoft), which Palisade does not have"
