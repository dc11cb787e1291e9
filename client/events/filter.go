package events

import (
	"container/list"
	"time"
)

// spamFilter is a token bucket per key (an object and its source), as
// client-go's EventSourceObjectSpamFilter: burst tokens to begin with, one
// more every refill, up to burst. Only the writer goroutine uses it.
type spamFilter struct {
	burst   float64
	refill  time.Duration
	buckets *lru[*bucket]
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newSpamFilter(burst int, refill time.Duration, size int) *spamFilter {
	return &spamFilter{burst: float64(burst), refill: refill, buckets: newLRU[*bucket](size)}
}

// allow takes a token from key's bucket at now, and reports whether there
// was one.
func (f *spamFilter) allow(key string, now time.Time) bool {
	b, ok := f.buckets.get(key)
	if !ok {
		b = &bucket{tokens: f.burst, last: now}
		f.buckets.put(key, b)
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(f.burst, b.tokens+float64(el)/float64(f.refill))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// lru is a map bounded to size entries that forgets the least recently
// used first. It is not safe for concurrent use.
type lru[V any] struct {
	size  int
	order *list.List // of *lruEntry[V], most recent first
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](size int) *lru[V] {
	return &lru[V]{size: size, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key string, val V) {
	if e, ok := c.items[key]; ok {
		e.Value.(*lruEntry[V]).val = val
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry[V]{key, val})
	for c.order.Len() > c.size {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry[V]).key)
	}
}
