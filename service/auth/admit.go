package auth

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Limits bound how many connections unprivileged peers may hold open at
// once. Privileged peers (Identity.Authorized) are never counted or refused:
// whatever unprivileged peers hold, the rest of the service's descriptors
// and memory stays theirs. docs/security.md gives the reason for each number.
type Limits struct {
	// PerUID caps the open connections of one unprivileged user.
	PerUID int
	// Unprivileged caps the open connections of all unprivileged users
	// together, so many user ids (or user namespaces) cannot add up.
	Unprivileged int
	// SessionReserve is kept beyond Unprivileged for users with a login
	// session (Identity.Session): when many uids without one (user
	// namespaces) fill the total, a logged-in user's tray still gets its
	// status stream. Each such user stays within PerUID.
	SessionReserve int
	// LogEvery is how often at most a peer hitting a limit is logged, per
	// user id and kind of limit.
	LogEvery time.Duration
}

// DefaultLimits are the service's limits.
var DefaultLimits = Limits{PerUID: 16, Unprivileged: 128, SessionReserve: 32, LogEvery: time.Minute}

// Admission counts the connections each peer holds and decides whether a new
// one may open. It is safe for concurrent use.
type Admission struct {
	limits Limits

	mu     sync.Mutex
	perUID map[int]int
	total  int // in the shared pool (Limits.Unprivileged)
	// reserved counts connections of session users admitted beyond the
	// shared pool (Limits.SessionReserve).
	reserved int
	hits     map[hitKey]*hitLog
}

// Hit is a kind of limit a peer can run into; each kind is logged (and rate
// limited) on its own.
type Hit string

// Kinds of hits.
const (
	HitRefused       Hit = "connection refused"
	HitHeaderTimeout Hit = "header timeout"
	HitStream        Hit = "stream not read"
	HitUnidentified  Hit = "peer not identified"
)

type hitKey struct {
	uid  int
	kind Hit
}

// hitLog is what the rate-limited log remembers about one user id and kind.
type hitLog struct {
	last       time.Time // when such a hit was last logged
	suppressed int       // hits since then that were not logged
}

// NewAdmission returns an admission with nothing open.
func NewAdmission(l Limits) *Admission {
	return &Admission{limits: l, perUID: map[int]int{}, hits: map[hitKey]*hitLog{}}
}

// Admit decides whether peer id may open one more connection. On success,
// release must be called once the connection is closed (extra calls do
// nothing); otherwise the error says which limit refused it. Privileged
// peers are always admitted; a peer with a login session may use the
// session reserve once the shared pool is full.
func (a *Admission) Admit(id Identity) (release func(), refused error) {
	if id.Authorized {
		return func() {}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	reserve := false
	switch {
	case a.perUID[id.UID] >= a.limits.PerUID:
		return nil, fmt.Errorf("too many connections from uid %d (at most %d per user)", id.UID, a.limits.PerUID)
	case a.total < a.limits.Unprivileged:
	case id.Session && a.reserved < a.limits.SessionReserve:
		reserve = true
	case id.Session:
		return nil, fmt.Errorf("too many connections from unprivileged users (at most %d together, and the %d kept for logged-in users are taken)", a.limits.Unprivileged, a.limits.SessionReserve)
	default:
		return nil, fmt.Errorf("too many connections from unprivileged users (at most %d together; the rest is kept for logged-in users)", a.limits.Unprivileged)
	}
	a.perUID[id.UID]++
	if reserve {
		a.reserved++
	} else {
		a.total++
	}
	var once sync.Once
	return func() { once.Do(func() { a.release(id.UID, reserve) }) }, nil
}

func (a *Admission) release(uid int, reserve bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if reserve {
		a.reserved--
	} else {
		a.total--
	}
	if a.perUID[uid]--; a.perUID[uid] == 0 {
		delete(a.perUID, uid)
	}
}

// Open returns how many connections uid and all unprivileged peers hold
// (the session reserve included).
func (a *Admission) Open(uid int) (ofUID, unprivileged int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.perUID[uid], a.total + a.reserved
}

// ShouldLog rate-limits the log lines about peers hitting limits: it says
// yes to the first hit of a kind by uid in each Limits.LogEvery, with the
// number of such hits it said no to since. Entries older than LogEvery are
// dropped as it goes, so what it remembers is bounded by the uids seen in
// one interval (a dropped entry's count of unlogged hits is lost).
func (a *Admission) ShouldLog(uid int, kind Hit, now time.Time) (ok bool, suppressed int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := hitKey{uid, kind}
	l := a.hits[k]
	if l != nil && now.Sub(l.last) < a.limits.LogEvery {
		l.suppressed++
		return false, 0
	}
	for u, old := range a.hits {
		if now.Sub(old.last) >= a.limits.LogEvery {
			delete(a.hits, u)
		}
	}
	if l != nil {
		suppressed = l.suppressed
	}
	a.hits[k] = &hitLog{last: now}
	return true, suppressed
}

// LogHit logs, rate-limited per uid and kind, that peer id hit a limit.
func (a *Admission) LogHit(log *slog.Logger, id Identity, kind Hit, detail string) {
	if ok, suppressed := a.ShouldLog(id.UID, kind, time.Now()); ok {
		log.Warn("ipc limit hit", "uid", id.UID, "user", id.Name, "hit", string(kind), "detail", detail, "unlogged_hits_since_last", suppressed)
	}
}
