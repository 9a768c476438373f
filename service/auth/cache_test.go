package auth

import (
	"testing"
	"time"
)

func TestLookupCache(t *testing.T) {
	calls := map[int]int{}
	c := newLookupCache(func(uid int) int { calls[uid]++; return uid * 2 })
	t0 := time.Unix(1_000_000, 0)
	for range 3 {
		if v := c.get(7, t0.Add(cacheTTL-time.Nanosecond)); v != 14 {
			t.Fatalf("get(7) = %d, want 14", v)
		}
	}
	if calls[7] != 1 {
		t.Errorf("looked 7 up %d times within the TTL, want once", calls[7])
	}
	c.get(7, t0.Add(2*cacheTTL))
	if calls[7] != 2 {
		t.Errorf("expired answer not looked up again: %d lookups", calls[7])
	}
	for uid := range 3 * cacheMax {
		c.get(1000+uid, t0.Add(2*cacheTTL))
	}
	if n := len(c.m); n > cacheMax {
		t.Errorf("cache holds %d keys, want at most %d", n, cacheMax)
	}
	c.reset()
	c.get(7, t0.Add(2*cacheTTL))
	if calls[7] != 3 {
		t.Errorf("answer survived reset: %d lookups", calls[7])
	}
}
