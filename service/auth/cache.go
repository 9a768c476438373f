package auth

import (
	"sync"
	"time"
)

// How long and for how many keys name-service answers are remembered. A
// group created or a user renamed is seen within cacheTTL.
const (
	cacheTTL = 10 * time.Second
	cacheMax = 256
)

// lookupCache remembers a slow lookup's answers for cacheTTL. Every
// connecting peer is identified in the accept loop, and with cgo a
// name-service lookup (user name, the palisade group) takes a millisecond
// or more: a flood of connections would queue everyone behind it, root too.
type lookupCache[K comparable, V any] struct {
	lookup func(K) V
	mu     sync.Mutex
	m      map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v       V
	expires time.Time
}

func newLookupCache[K comparable, V any](lookup func(K) V) *lookupCache[K, V] {
	return &lookupCache[K, V]{lookup: lookup, m: map[K]cacheEntry[V]{}}
}

// get returns the answer for k, looking it up when not known or older than
// cacheTTL at now. At cacheMax keys everything is forgotten, which bounds
// the memory many user ids can make it hold.
func (c *lookupCache[K, V]) get(k K, now time.Time) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok && now.Before(e.expires) {
		return e.v
	}
	if len(c.m) >= cacheMax {
		clear(c.m)
	}
	v := c.lookup(k)
	c.m[k] = cacheEntry[V]{v: v, expires: now.Add(cacheTTL)}
	return v
}

// reset forgets every answer.
func (c *lookupCache[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}
