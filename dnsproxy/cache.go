package dnsproxy

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	// maxTTL bounds how long any answer is kept, so a bogus huge TTL cannot pin
	// a stale record for days.
	maxTTL = 24 * time.Hour
	// maxNegativeTTL caps negative caching (RFC 2308 suggests 1–3 hours; a
	// desktop resolver is better off re-asking sooner after a typo is fixed).
	maxNegativeTTL = 5 * time.Minute
)

// cacheKey identifies an answer. The DO bit is part of it because a DNSSEC-aware
// client must not receive an answer stripped of signatures and vice versa; the
// CD bit because an answer fetched with validation disabled upstream must not
// be served to clients that rely on it.
type cacheKey struct {
	name  string
	qtype uint16
	class uint16
	do    bool
	cd    bool
}

type cacheEntry struct {
	key     cacheKey
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
	// wire holds the packed replies of the fast path, one per Hide, built
	// on first use; an empty one means "does not pack".
	wire [3]*wireAnswer
}

// cache is a size-bounded LRU of complete upstream answers.
type cache struct {
	mu    sync.Mutex
	size  int
	now   func() time.Time
	order *list.List // front = most recently used
	items map[cacheKey]*list.Element
}

func newCache(size int, now func() time.Time) *cache {
	return &cache{size: size, now: now, order: list.New(), items: make(map[cacheKey]*list.Element)}
}

func keyFor(q dns.Question, do, cd bool) cacheKey {
	return cacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype, class: q.Qclass, do: do, cd: cd}
}

// get returns a copy of the cached answer with every TTL reduced by the time it
// has spent in the cache, or nil when absent or expired.
func (c *cache) get(k cacheKey) *dns.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil
	}
	e := el.Value.(*cacheEntry)
	now := c.now()
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return nil
	}
	c.order.MoveToFront(el)
	m := e.msg.Copy()
	age := uint32(now.Sub(e.stored) / time.Second)
	forEachRR(m, func(rr dns.RR) {
		h := rr.Header()
		if h.Ttl > age {
			h.Ttl -= age
		} else {
			h.Ttl = 0
		}
	})
	return m
}

// getWire returns the packed reply for k and its age in seconds, or false
// when absent, expired or not packable (the full path then decides).
func (c *cache) getWire(k cacheKey, hide Hide) (*wireAnswer, uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, 0, false
	}
	e := el.Value.(*cacheEntry)
	now := c.now()
	if !now.Before(e.expires) {
		return nil, 0, false
	}
	c.order.MoveToFront(el)
	f := hide
	if e.wire[f] == nil {
		m := e.msg.Copy()
		hide.strip(m)
		w, err := packAnswer(m, k)
		if err != nil {
			w = &wireAnswer{} // remembered, so it is not packed again per query
		}
		e.wire[f] = w
	}
	if e.wire[f].msg == nil {
		return nil, 0, false
	}
	return e.wire[f], uint32(now.Sub(e.stored) / time.Second), true
}

// put stores m under k if it is cacheable, evicting the least recently used
// entry when full.
func (c *cache) put(k cacheKey, m *dns.Msg) {
	ttl, ok := cacheTTL(m)
	if !ok || c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e := &cacheEntry{key: k, msg: m.Copy(), stored: now, expires: now.Add(ttl)}
	if el, ok := c.items[k]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.size {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
	c.items[k] = c.order.PushFront(e)
}

func (c *cache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.items)
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// cacheTTL decides how long m may be cached: the smallest TTL of its records for
// a positive answer, and for NXDOMAIN/NODATA the SOA's TTL bounded by its
// MINIMUM field (RFC 2308 §5) and maxNegativeTTL. Truncated answers, errors other
// than NXDOMAIN, and negative answers without an SOA are not cached.
func cacheTTL(m *dns.Msg) (time.Duration, bool) {
	if m.Truncated || (m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError) {
		return 0, false
	}
	if m.Rcode == dns.RcodeSuccess && len(m.Answer) > 0 {
		minTTL := uint32(maxTTL / time.Second)
		forEachRR(m, func(rr dns.RR) { minTTL = min(minTTL, rr.Header().Ttl) })
		return time.Duration(minTTL) * time.Second, minTTL > 0
	}
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl := time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second
			ttl = min(ttl, maxNegativeTTL)
			return ttl, ttl > 0
		}
	}
	return 0, false
}

// forEachRR visits every record of m except the OPT pseudo-record, whose TTL
// field carries EDNS flags rather than a lifetime.
func forEachRR(m *dns.Msg, f func(dns.RR)) {
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if rr.Header().Rrtype != dns.TypeOPT {
				f(rr)
			}
		}
	}
}
