// Package ipc holds the wire types of the service's local API and a Go client
// for it. The API is HTTP+JSON over a Unix socket (a named pipe on Windows),
// so it can also be driven with curl --unix-socket.
package ipc

import (
	"time"

	"github.com/palisadevpn/palisade/service/nat64"
	"github.com/palisadevpn/palisade/service/settings"
)

// State is the tunnel state as the service reports it.
type State string

// Tunnel states. Connected means a completed handshake, not "device up".
const (
	Disconnected  State = "disconnected"
	Connecting    State = "connecting"
	Connected     State = "connected"
	Reconnecting  State = "reconnecting"
	Disconnecting State = "disconnecting"
	Error         State = "error"
)

// API paths.
const (
	PathStatus = "/v1/status"
	PathStream = "/v1/status/stream"
	// QueryChangesOnly, added to PathStream, leaves out the pushes that
	// change only the traffic counters and the handshake time: a tray,
	// which shows neither, then wakes only when something it shows moved
	// instead of once a second while connected.
	QueryChangesOnly = "?changes=only"
	PathConnect      = "/v1/connect"
	PathDisconnect   = "/v1/disconnect"
	PathProfiles     = "/v1/profiles"  // GET list, POST import
	PathProfile      = "/v1/profiles/" // + name: DELETE remove; + name + "/export": GET; + name + "/rename": POST
	PathSettings     = "/v1/settings"  // GET, PUT
	PathFirewall     = "/v1/firewall"
	PathLogs         = "/v1/logs"
	PathCheck        = "/v1/check"
	// PathSplitExec moves the calling process into the split tunnel's
	// group (POST SplitExecRequest); `palisade exec` then runs the command.
	PathSplitExec = "/v1/split/exec"
)

// Status is a snapshot of the service, pushed on every change.
type Status struct {
	State State `json:"state"`
	// Since is when the service entered State.
	Since     time.Time `json:"since"`
	Profile   string    `json:"profile,omitempty"`
	Interface string    `json:"interface,omitempty"`
	// Addresses are the tunnel's addresses in CIDR form, IPv4 first.
	Addresses []string `json:"addresses,omitempty"`
	Endpoint  string   `json:"endpoint,omitempty"`
	// EndpointFamily is the endpoint address's family ("IPv4", "IPv6"),
	// which follows what the network reaches.
	EndpointFamily string `json:"endpoint_family,omitempty"`
	// EndpointNAT64 is the NAT64 prefix the endpoint is reached through
	// on an IPv6-only network (e.g. "64:ff9b::/96"); empty when direct.
	EndpointNAT64 string `json:"endpoint_nat64,omitempty"`
	// Resolving is the endpoint host name being looked up, while that
	// happens (before connecting and on every reconnect).
	Resolving     string     `json:"resolving,omitempty"`
	LastHandshake *time.Time `json:"last_handshake,omitempty"`
	RxBytes       uint64     `json:"rx_bytes"`
	TxBytes       uint64     `json:"tx_bytes"`
	// TunnelIPv4 and TunnelIPv6 tell whether the tunnel carries all of
	// IPv4 and of IPv6.
	TunnelIPv4 bool `json:"tunnel_ipv4"`
	TunnelIPv6 bool `json:"tunnel_ipv6"`
	// IPv6Blocked tells that off-link IPv6 is blocked rather than leaked
	// beside a tunnel that takes all of IPv4 but carries no IPv6;
	// IPv4Blocked is the mirror beside an IPv6-only full tunnel.
	IPv4Blocked bool `json:"ipv4_blocked"`
	IPv6Blocked bool `json:"ipv6_blocked"`
	// TunnelNAT64 is the NAT64 prefix of the tunnel's own DNS64, found
	// beside an IPv6-only tunnel: names of IPv4-only sites work through
	// it, IPv4 addresses stay blocked.
	TunnelNAT64 string `json:"tunnel_nat64,omitempty"`
	// MTU is the tunnel interface's MTU and MTUWhy how it was chosen
	// (the profile's, or the uplink's minus WireGuard's overhead).
	MTU    int    `json:"mtu,omitempty"`
	MTUWhy string `json:"mtu_why,omitempty"`
	// SplitUnavailable says why split tunnelling cannot run on this
	// system; empty where it can.
	SplitUnavailable string `json:"split_unavailable,omitempty"`
	// Split is the split tunnel's mode while it is on ("bypass" or
	// "vpn-only"); empty when off.
	Split settings.SplitMode `json:"split,omitempty"`
	// SplitPrograms is how many programs the split tunnel lists while it
	// is on.
	SplitPrograms int `json:"split_programs,omitempty"`
	// Routing says how the tunnel treats traffic, e.g. "full IPv4 tunnel,
	// IPv6 blocked" or "split: 10.0.0.0/8".
	Routing           string              `json:"routing,omitempty"`
	KillSwitch        settings.KillSwitch `json:"kill_switch"`
	KillSwitchEngaged bool                `json:"kill_switch_engaged"`
	DNS               DNSStatus           `json:"dns"`
	LastError         string              `json:"last_error,omitempty"`
	// Retry is when the next connection attempt is due in the error state.
	Retry *time.Time `json:"retry,omitempty"`
	// CanControl tells the caller whether it may change state.
	CanControl bool `json:"can_control"`
}

// DNSStatus tells which DNS the system uses while connected.
type DNSStatus struct {
	Mode settings.DNSMode `json:"mode"`
	// Resolvers are the local resolver addresses the OS is pointed at.
	Resolvers []string `json:"resolvers,omitempty"`
	// Upstreams are where the resolver forwards queries.
	Upstreams []string `json:"upstreams,omitempty"`
	// Manager is how the system DNS was changed (e.g. "systemd-resolved").
	Manager string `json:"manager,omitempty"`
	// Warning says, while connected, that the system DNS could not be
	// pointed at the local resolver and why ("system DNS not set: …").
	Warning string `json:"warning,omitempty"`
}

// ConnectRequest asks the service to connect. An empty profile means the
// last used one.
type ConnectRequest struct {
	Profile string `json:"profile,omitempty"`
}

// ImportRequest carries a profile's text, read by the client as the user, so
// the service never opens user-supplied paths.
type ImportRequest struct {
	Name string `json:"name"`
	Text string `json:"text"`
	// Replace overwrites a stored profile of the same name; without it the
	// import of a taken name is refused.
	Replace bool `json:"replace,omitempty"`
}

// RenameRequest names the new name of a profile being renamed.
type RenameRequest struct {
	Name string `json:"name"`
}

// ImportResponse reports an import and its warnings (e.g. scripts ignored).
type ImportResponse struct {
	Profile  ProfileInfo `json:"profile"`
	Warnings []string    `json:"warnings,omitempty"`
}

// ProfileInfo describes a stored profile without its secrets.
type ProfileInfo struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	DNS       []string `json:"dns,omitempty"`
	Endpoints []string `json:"endpoints"`
	PublicKey string   `json:"public_key"`
	Peers     int      `json:"peers"`
	LastUsed  bool     `json:"last_used,omitempty"`
	// Routing says how the profile will be routed (with IPv6 on), e.g.
	// "full IPv4 tunnel, IPv6 blocked" or "split: 10.0.0.0/8".
	Routing string `json:"routing,omitempty"`
}

// ExportResponse holds a profile's full wg-quick text, private key included;
// only authorized callers get it.
type ExportResponse struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// FirewallResponse describes the active kill switch policy and the rules the
// backend actually installed.
type FirewallResponse struct {
	Policy string `json:"policy"`
	Rules  string `json:"rules"`
}

// LogsResponse holds the last lines of the service log.
type LogsResponse struct {
	Lines []string `json:"lines"`
}

// CheckStatus is the verdict of one self-check item.
type CheckStatus string

// Self-check verdicts. Fail means traffic leaks or a protection is missing;
// warn means something is off without a leak (e.g. DNS upstreams silent);
// timeout means the item could not be verified because what it reads did
// not answer within its bound (e.g. a hung D-Bus); skip means the item does
// not apply now (e.g. not connected).
const (
	CheckOK      CheckStatus = "ok"
	CheckWarn    CheckStatus = "warn"
	CheckTimeout CheckStatus = "timeout"
	CheckFail    CheckStatus = "fail"
	CheckSkip    CheckStatus = "skip"
)

// Self-check item IDs, stable for scripts and the GUI.
const (
	CheckRoute4   = "route4"
	CheckRoute6   = "route6"
	CheckEndpoint = "endpoint"
	CheckFirewall = "firewall"
	CheckDNS      = "dns"
	CheckOutside4 = "outside4"
	CheckOutside6 = "outside6"
)

// CheckItem is one verified fact of the live system.
type CheckItem struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"`
	Status CheckStatus `json:"status"`
	// Detail explains the result in one sentence.
	Detail string `json:"detail"`
}

// CheckReport is the self-check's answer: is the tunnel really carrying
// (or blocking) everything, both families, right now.
type CheckReport struct {
	Time  time.Time   `json:"time"`
	State State       `json:"state"`
	Items []CheckItem `json:"items"`
}

// Worst returns the report's overall verdict: fail over timeout over warn
// over ok (an item that could not be verified is worse than a warning, as
// it may hide a leak); a report of skipped items only is skip.
func (r CheckReport) Worst() CheckStatus {
	rank := map[CheckStatus]int{CheckSkip: 0, CheckOK: 1, CheckWarn: 2, CheckTimeout: 3, CheckFail: 4}
	w := CheckSkip
	for _, it := range r.Items {
		if rank[it.Status] > rank[w] {
			w = it.Status
		}
	}
	return w
}

// Item returns the item with this ID, if the report has it.
func (r CheckReport) Item(id string) (CheckItem, bool) {
	for _, it := range r.Items {
		if it.ID == id {
			return it, true
		}
	}
	return CheckItem{}, false
}

// ErrorResponse is the body of every non-2xx answer.
type ErrorResponse struct {
	Error string `json:"error"`
}

// SplitExecRequest asks to move the caller into the group of Mode
// ("bypass" or "vpn-only"), which must be the split tunnel's mode.
type SplitExecRequest struct {
	Mode settings.SplitMode `json:"mode"`
}

// ResolvingText says what the service is looking up, as the CLI and the
// GUI show it: "resolving vpn.example.com" for the endpoint's name, but
// "discovering NAT64" for the network's ipv4only.arpa (RFC 7050), which is
// not a name the user gave; empty while nothing is looked up.
func (s Status) ResolvingText() string {
	switch s.Resolving {
	case "":
		return ""
	case nat64.DiscoveryName:
		return "discovering NAT64"
	}
	return "resolving " + s.Resolving
}

// EndpointText describes the endpoint as the CLI and the GUI show it:
// "198.51.100.2:51820 (IPv4)", or on an IPv6-only network
// "[64:ff9b::c633:6402]:51820 (IPv6, via NAT64 64:ff9b::/96)".
func (s Status) EndpointText() string {
	if s.Endpoint == "" || s.EndpointFamily == "" {
		return s.Endpoint
	}
	how := s.EndpointFamily
	if s.EndpointNAT64 != "" {
		how += ", via NAT64 " + s.EndpointNAT64
	}
	return s.Endpoint + " (" + how + ")"
}
