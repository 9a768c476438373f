package firewall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/tailscale/wf"
	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

var (
	wfpProvider = wf.ProviderID(windows.GUID{Data1: 0x70616c69, Data2: 0x7361, Data3: 0x6465, Data4: [8]byte{0x6b, 0x69, 0x6c, 0x6c, 0x73, 0x77, 0x00, 0x01}})
	wfpSublayer = wf.SublayerID(windows.GUID{Data1: 0x70616c69, Data2: 0x7361, Data3: 0x6465, Data4: [8]byte{0x6b, 0x69, 0x6c, 0x6c, 0x73, 0x77, 0x00, 0x02}})

	wfpLayers = map[wfpLayer]wf.LayerID{
		layerConnectV4: wf.LayerALEAuthConnectV4,
		layerConnectV6: wf.LayerALEAuthConnectV6,
		layerAcceptV4:  wf.LayerALEAuthRecvAcceptV4,
		layerAcceptV6:  wf.LayerALEAuthRecvAcceptV6,
	}

	fwpuclnt       = windows.NewLazySystemDLL("fwpuclnt.dll")
	procTxnBegin   = fwpuclnt.NewProc("FwpmTransactionBegin0")
	procTxnCommit  = fwpuclnt.NewProc("FwpmTransactionCommit0")
	procTxnAbort   = fwpuclnt.NewProc("FwpmTransactionAbort0")
	errNoWFPHandle = errors.New("wfp: session has no engine handle")
)

type wfpBackend struct {
	log *slog.Logger
	// appID identifies the service executable and user the accounts it
	// may run as (wfpServiceUserSDDL): sockets matching both (WireGuard,
	// the resolver's upstream queries, endpoint name lookups) may pass;
	// set by the first Apply (identityLocked), guarded by mu.
	appID string
	user  *windows.SECURITY_DESCRIPTOR

	mu   sync.Mutex
	sess *wf.Session
	// want is how many filters the last Apply installed, for Inspect;
	// installed their texts (wfpFilterText) as read right after, and
	// installedErr why they could not be read (then Inspect compares
	// counts only, and says so once in the log).
	want         int
	installed    []string
	installedErr error
	countsLogged bool
}

// New opens a WFP session. The service's own identity (its app ID and
// user) is looked up by the first Apply, not here: a program that only
// reads the filters back (the CLI's and the tray's kept-block look) needs
// neither, and Wine, where the Windows smoke test runs them, aborts the
// process on FwpmGetAppIdFromFileName0. stateDir is not used yet.
func New(log *slog.Logger, stateDir string) (Backend, error) {
	sess, err := wf.New(&wf.Options{
		Name:                    "Palisade",
		Description:             "Palisade VPN kill switch",
		TransactionStartTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("wfp: open session: %w", err)
	}
	return &wfpBackend{log: log, sess: sess}, nil
}

// identityLocked looks up the running executable's app ID and the service
// user condition once, for the permits Apply builds.
func (b *wfpBackend) identityLocked() error {
	if b.user != nil {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("wfp: %w", err)
	}
	appID, err := wf.AppID(exe)
	if err != nil {
		return fmt.Errorf("wfp: app ID of %s: %w", exe, err)
	}
	user, err := serviceUser()
	if err != nil {
		return err
	}
	b.appID, b.user = appID, user
	return nil
}

// serviceUser is the security descriptor for the service permits' user
// condition: SYSTEM, the service SID, and this process's own user.
func serviceUser() (*windows.SECURITY_DESCRIPTOR, error) {
	var sids []string
	if sid, _, _, err := windows.LookupSID("", `NT SERVICE\`+wfpServiceName); err == nil {
		sids = append(sids, sid.String())
	}
	if tu, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
		sids = append(sids, tu.User.Sid.String())
	}
	sd, err := windows.SecurityDescriptorFromString(wfpServiceUserSDDL(sids...))
	if err != nil {
		return nil, fmt.Errorf("wfp: service user condition: %w", err)
	}
	return sd, nil
}

// Apply replaces our provider, sublayer and filters in one transaction.
// For mode always they are persistent and boot-time filters are added,
// so the block holds while the service is stopped and during boot.
func (b *wfpBackend) Apply(p Policy) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.identityLocked(); err != nil {
		return err
	}
	fs := wfpFilters(p)
	rules := make([]*wf.Rule, 0, len(fs))
	for _, f := range fs {
		r, err := b.rule(f, p.Persistent)
		if err != nil {
			return err
		}
		rules = append(rules, r)
	}
	err := b.transaction(func() error {
		if err := b.removeLocked(); err != nil {
			return err
		}
		if len(rules) == 0 {
			return nil
		}
		if err := b.sess.AddProvider(&wf.Provider{ID: wfpProvider, Name: "Palisade", Persistent: p.Persistent}); err != nil {
			return fmt.Errorf("wfp: add provider: %w", err)
		}
		sl := &wf.Sublayer{ID: wfpSublayer, Name: "Palisade kill switch", Provider: wfpProvider, Persistent: p.Persistent, Weight: 0xffff}
		if err := b.sess.AddSublayer(sl); err != nil {
			return fmt.Errorf("wfp: add sublayer: %w", err)
		}
		for _, r := range rules {
			if err := b.sess.AddRule(r); err != nil {
				return fmt.Errorf("wfp: add filter %q: %w", r.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.want = len(rules)
	b.installed, b.installedErr = b.ourRulesLocked()
	b.log.Info("firewall applied", "backend", "wfp", "engaged", p.Engaged, "why", p.Why, "filters", len(rules), "persistent", p.Persistent)
	return nil
}

// Remove deletes our filters, sublayer and provider, nothing else.
func (b *wfpBackend) Remove() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.transaction(b.removeLocked); err != nil {
		return err
	}
	b.want, b.installed, b.installedErr = 0, nil, nil
	b.log.Info("firewall removed", "backend", "wfp")
	return nil
}

// Close ends the backend's WFP session. Filters it added stay (the
// session is not dynamic); a program that only reads them (the CLI's and
// the tray's kept-block look while the service is down) closes it so a
// look repeated on every reconnection attempt does not hold a session each.
func (b *wfpBackend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess.Close()
}

// removeLocked deletes our objects by our own keys, never by reading
// every filter on the machine (one foreign filter with a condition the
// parser does not know would make it fail forever).
func (b *wfpBackend) removeLocked() error {
	return removeByKeys(sessionHandle(b.sess))
}

// Inspect counts our installed filters against those the last Apply
// added, and compares each one's layer, action, weight and conditions with
// what was read right after it (wfpChanged). WFP keeps no per-filter
// packet counters. The reads are calls into the filtering engine, not a
// process to kill: ctx is checked between them, so an ended read-back
// stops at the next step.
func (b *wfpBackend) Inspect(ctx context.Context) (Inspection, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Inspection{}, err
	}
	keys, _, err := ourFilters(sessionHandle(b.sess))
	if err != nil {
		return Inspection{}, err
	}
	in := Inspection{Present: len(keys) > 0, Rules: len(keys), Want: b.want}
	if err := ctx.Err(); err != nil {
		return Inspection{}, err
	}
	now, err := b.ourRulesLocked()
	if err = errors.Join(b.installedErr, err); err != nil {
		if !b.countsLogged {
			b.log.Warn("wfp: filters compared by count only; their conditions could not be read", "err", err)
			b.countsLogged = true
		}
		return in, nil
	}
	in.Changed = wfpChanged(b.installed, now)
	return in, nil
}

// ourRulesLocked reads the filters under our provider and sublayer with
// their conditions, as wfpFilterText texts. wf parses every filter on the
// machine to enumerate them, so a foreign filter with a condition type it
// does not know makes this fail; Inspect then falls back to counts.
func (b *wfpBackend) ourRulesLocked() ([]string, error) {
	rules, err := b.sess.Rules()
	if err != nil {
		return nil, fmt.Errorf("wfp: read filters: %w", err)
	}
	var out []string
	for _, r := range rules {
		if r.Provider != wfpProvider || r.Sublayer != wfpSublayer {
			continue
		}
		conds := make([]string, len(r.Conditions))
		for i, m := range r.Conditions {
			conds[i] = m.String()
		}
		out = append(out, wfpFilterText(r.Layer.String(), r.Action.String(), r.HardAction, r.Weight, conds))
	}
	return out, nil
}

// Show lists our installed filters, layer by layer: key, lifetime, name.
func (b *wfpBackend) Show() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys, lines, err := ourFilters(sessionHandle(b.sess))
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return "no palisade filters\n", nil
	}
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(lines[k] + "\n")
	}
	return sb.String(), nil
}

func (b *wfpBackend) rule(f Filter, persistent bool) (*wf.Rule, error) {
	id, err := windows.GenerateGUID()
	if err != nil {
		return nil, fmt.Errorf("wfp: %w", err)
	}
	r := &wf.Rule{
		ID: wf.RuleID(id), Name: f.Name, Layer: wfpLayers[f.Layer],
		Sublayer: wfpSublayer, Provider: wfpProvider, Weight: f.Weight,
		Action: wf.ActionBlock, HardAction: !f.Permit,
		Persistent: persistent && !f.BootTime, BootTime: f.BootTime,
	}
	if f.Permit {
		r.Action = wf.ActionPermit
	}
	conds, err := b.conditions(f)
	if err != nil {
		return nil, err
	}
	r.Conditions = conds
	return r, nil
}

func (b *wfpBackend) conditions(f Filter) ([]*wf.Match, error) {
	var ms []*wf.Match
	add := func(field wf.FieldID, op wf.MatchType, v any) {
		ms = append(ms, &wf.Match{Field: field, Op: op, Value: v})
	}
	if f.Loopback {
		add(wf.FieldFlags, wf.MatchTypeFlagsAllSet, wf.ConditionFlagIsLoopback)
	}
	if f.Iface != "" {
		luid, err := interfaceLUID(f.Iface)
		if err != nil {
			return nil, err
		}
		op := wf.MatchTypeEqual
		if f.NotIface {
			op = wf.MatchTypeNotEqual
		}
		add(wf.FieldIPLocalInterface, op, uint64(luid))
	}
	if f.Proto != 0 {
		add(wf.FieldIPProtocol, wf.MatchTypeEqual, wf.IPProto(f.Proto))
	}
	for _, p := range f.RemoteAddrs {
		add(wf.FieldIPRemoteAddress, wf.MatchTypeEqual, p)
	}
	for _, p := range f.LocalAddrs {
		add(wf.FieldIPLocalAddress, wf.MatchTypeEqual, p)
	}
	if f.RemotePort != 0 {
		add(wf.FieldIPRemotePort, wf.MatchTypeEqual, f.RemotePort)
	}
	if f.LocalPort != 0 {
		add(wf.FieldIPLocalPort, wf.MatchTypeEqual, f.LocalPort)
	}
	if f.AppID {
		add(wf.FieldALEAppID, wf.MatchTypeEqual, b.appID)
		add(wf.FieldALEUserID, wf.MatchTypeEqual, b.user)
	}
	return ms, nil
}

func interfaceLUID(name string) (winipcfg.LUID, error) {
	index, err := interfaceIndex(name, func(name string) (int, error) {
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			return 0, err
		}
		return ifc.Index, nil
	})
	if err != nil {
		return 0, fmt.Errorf("wfp: interface %s: %w", name, err)
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(index))
	if err != nil {
		return 0, fmt.Errorf("wfp: LUID of %s: %w", name, err)
	}
	return luid, nil
}

// transaction runs f inside a WFP transaction on the session's engine
// handle, so the old filters and the new ones are swapped atomically.
func (b *wfpBackend) transaction(f func() error) error {
	h := sessionHandle(b.sess)
	if h == 0 {
		return errNoWFPHandle
	}
	if r, _, _ := procTxnBegin.Call(uintptr(h), 0); r != 0 {
		return fmt.Errorf("wfp: begin transaction: %w", windows.Errno(r))
	}
	if err := f(); err != nil {
		procTxnAbort.Call(uintptr(h))
		return err
	}
	if r, _, _ := procTxnCommit.Call(uintptr(h)); r != 0 {
		return fmt.Errorf("wfp: commit transaction: %w", windows.Errno(r))
	}
	return nil
}

// sessionHandle reads the engine handle that wf.Session keeps as its
// first field; the pinned wf version does not export transactions.
func sessionHandle(s *wf.Session) windows.Handle {
	return *(*windows.Handle)(unsafe.Pointer(s))
}
