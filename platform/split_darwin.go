package platform

// SplitTunnelUnavailable says why per-program split tunnelling cannot run
// on macOS: telling one program's connections from another's takes a
// network extension (NETransparentProxyProvider or a content filter),
// which needs Apple's entitlement and a signed system extension.
const SplitTunnelUnavailable = "split tunnelling per program is not available on macOS: it needs a network extension (a signed system extension with Apple's entitlement), which Palisade does not have"
