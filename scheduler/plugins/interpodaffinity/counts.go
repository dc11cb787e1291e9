package interpodaffinity

import "maps"

// countView is an immutable view of per-domain counts that PreFilter hands
// to a cycle without copying the memo's counts: a base map and a smaller
// map of the entries changed since the base was copied (a 0 there means
// the domain has no match any more). Neither map is ever modified once
// the view is published, so views from earlier cycles stay valid and may
// be read concurrently while the memo goes on counting.
type countView struct {
	base, over map[topologyPair]int64
	// n is the number of domains with a non-zero count.
	n int
}

// get returns the count of pair.
func (v *countView) get(pair topologyPair) int64 {
	if n, ok := v.over[pair]; ok {
		return n
	}
	return v.base[pair]
}

// materialize returns a new map with the view's non-zero counts.
func (v *countView) materialize() topologyToMatchedTermCount {
	m := make(topologyToMatchedTermCount, v.n)
	for p, n := range v.base {
		if _, ok := v.over[p]; !ok {
			m[p] = n
		}
	}
	for p, n := range v.over {
		if n != 0 {
			m[p] = n
		}
	}
	return m
}

// publishedCounts is a memo's aggregate of per-domain counts: live counts
// that the memo changes node by node, and the view last published from
// them. Publishing copies only the entries changed since the last view,
// until they are many enough (an eighth of the domains) that a new base
// is cheaper; the cost per cycle is then proportional to the changes, not
// to the number of domains. Used under the memo's lock.
type publishedCounts struct {
	live    topologyToMatchedTermCount
	changed map[topologyPair]struct{}
	view    countView
	// fresh is set when view was published from live as it is.
	fresh bool
}

func newPublishedCounts() *publishedCounts {
	return &publishedCounts{live: make(topologyToMatchedTermCount), changed: make(map[topologyPair]struct{})}
}

// addPairs adds sign times each count of counts.
func (c *publishedCounts) addPairs(counts []pairCount, sign int64) {
	for _, pc := range counts {
		c.live.add(pc.pair, sign*pc.n)
		c.changed[pc.pair] = struct{}{}
		c.fresh = false
	}
}

// publish returns a view of the live counts.
func (c *publishedCounts) publish() countView {
	if c.fresh {
		return c.view
	}
	if len(c.view.over)+len(c.changed) > len(c.live)/8+16 || c.view.base == nil {
		c.view = countView{base: maps.Clone(c.live), n: len(c.live)}
	} else {
		over := make(map[topologyPair]int64, len(c.view.over)+len(c.changed))
		maps.Copy(over, c.view.over)
		for p := range c.changed {
			over[p] = c.live[p]
		}
		c.view = countView{base: c.view.base, over: over, n: len(c.live)}
	}
	clear(c.changed)
	c.fresh = true
	return c.view
}

// counts are the per-domain counts a preFilterState holds: a published
// view, shared, until the state changes them (AddPod and RemovePod, in
// preemption and for nominated pods); then a map of its own.
type counts struct {
	view countView
	own  topologyToMatchedTermCount // nil until changed
}

// ownCounts returns counts holding m, which the caller gives up.
func ownCounts(m topologyToMatchedTermCount) counts { return counts{own: m} }

// get returns the count of pair.
func (c *counts) get(pair topologyPair) int64 {
	if c.own != nil {
		return c.own[pair]
	}
	return c.view.get(pair)
}

// len returns the number of domains with a non-zero count.
func (c *counts) len() int {
	if c.own != nil {
		return len(c.own)
	}
	return c.view.n
}

// add adds delta to pair's count, first copying a shared view.
func (c *counts) add(pair topologyPair, delta int64) {
	if c.own == nil {
		c.own = c.view.materialize()
	}
	c.own.add(pair, delta)
}

// clone returns counts that can change independently of c.
func (c *counts) clone() counts {
	if c.own != nil {
		return counts{own: maps.Clone(c.own)}
	}
	return counts{view: c.view}
}
