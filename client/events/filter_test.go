package events

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSpamFilterDefaults checks Kubernetes' figures: 25 events at once per
// object, then one per 5 minutes.
func TestSpamFilterDefaults(t *testing.T) {
	f := newSpamFilter(DefaultBurst, DefaultRefillInterval, DefaultCacheSize)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		key  string
		n    int
		want int // allowed of n
	}{
		{0, "pod-a", 30, 25},
		{0, "pod-b", 1, 1},
		{4 * time.Minute, "pod-a", 1, 0},
		{5 * time.Minute, "pod-a", 2, 1},
		{20 * time.Minute, "pod-a", 5, 3},
		{24 * time.Hour, "pod-a", 30, 25},
	}
	for _, s := range steps {
		got := 0
		for range s.n {
			if f.allow(s.key, t0.Add(s.at)) {
				got++
			}
		}
		if got != s.want {
			t.Errorf("at +%v, %d events of %s: %d allowed, want %d", s.at, s.n, s.key, got, s.want)
		}
	}
}

func TestLRUForgetsLeastRecentlyUsed(t *testing.T) {
	c := newLRU[int](2)
	c.put("a", 1)
	c.put("b", 2)
	c.get("a")
	c.put("c", 3)
	got := map[string]int{}
	for _, k := range []string{"a", "b", "c"} {
		if v, ok := c.get(k); ok {
			got[k] = v
		}
	}
	if d := cmp.Diff(map[string]int{"a": 1, "c": 3}, got); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}
