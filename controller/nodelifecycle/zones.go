package nodelifecycle

import (
	"math"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// ZoneState is the health of a zone, which sets how fast its nodes are
// tainted NoExecute.
type ZoneState string

// The zone states, as in Kubernetes.
const (
	// StateNormal: fewer than 3 nodes, or less than UnhealthyZoneThreshold
	// of them, are not ready. Nodes are tainted at EvictionRate.
	StateNormal ZoneState = "Normal"
	// StatePartialDisruption: more than 2 nodes, and at least
	// UnhealthyZoneThreshold of them, are not ready. Nodes are tainted at
	// SecondaryEvictionRate in zones larger than
	// LargeClusterSizeThreshold, and not at all in smaller ones.
	StatePartialDisruption ZoneState = "PartialDisruption"
	// StateFullDisruption: no node is ready. Nodes are tainted at
	// EvictionRate, unless every zone is fully disrupted: then the
	// controller assumes it is itself cut off, removes the NoExecute
	// taints it placed and evicts nothing.
	StateFullDisruption ZoneState = "FullDisruption"
)

// ComputeZoneState returns the state of a zone with ready and notReady
// nodes, for an unhealthy-zone threshold in (0, 1].
func ComputeZoneState(ready, notReady int, threshold float64) ZoneState {
	switch {
	case ready == 0 && notReady > 0:
		return StateFullDisruption
	case notReady > 2 && float64(notReady)/float64(notReady+ready) >= threshold:
		return StatePartialDisruption
	}
	return StateNormal
}

// ZoneOf returns the key of node's zone: its topology.kubernetes.io/region
// and topology.kubernetes.io/zone labels joined by "/", and "" for a node
// with neither.
func ZoneOf(node *corev1.Node) string {
	region, zone := node.Labels[corev1.LabelTopologyRegion], node.Labels[corev1.LabelTopologyZone]
	if region == "" && zone == "" {
		return ""
	}
	return region + "/" + zone
}

// bucket is a token bucket of burst 1 on the controller's clock, as
// Kubernetes' per-zone eviction limiter (flowcontrol token bucket with
// burst 1). A zero qps never grants.
type bucket struct {
	qps    float64
	tokens float64
	last   time.Time
}

// newBucket returns a full bucket refilled at qps from now.
func newBucket(qps float64, now time.Time) *bucket {
	return &bucket{qps: qps, tokens: 1, last: now}
}

// take takes a token at now when there is one; otherwise it reports how
// long until there will be (math.MaxInt64 when qps is 0).
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if b.qps <= 0 {
		return false, time.Duration(math.MaxInt64)
	}
	if now.After(b.last) {
		b.tokens = min(1, b.tokens+now.Sub(b.last).Seconds()*b.qps)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration(math.Ceil((1 - b.tokens) / b.qps * float64(time.Second)))
}

// refreshZones recomputes the zones' states from every node's readiness
// at most once a second of the clock (or sooner when a node's readiness
// changed), and sets each zone's limiter for its state; r.mu held. A node
// counts as ready when its Ready condition was True when last reconciled
// and its grace period has not run out since.
func (r *Reconciler) refreshZones(now time.Time) {
	if !r.zonesDirty && !now.Before(r.zonesAt) && now.Sub(r.zonesAt) < time.Second {
		return
	}
	r.zonesAt, r.zonesDirty = now, false
	type count struct{ ready, notReady int }
	counts := map[string]*count{}
	for _, n := range r.nodes.List(nil) {
		z := ZoneOf(n)
		c := counts[z]
		if c == nil {
			c = &count{}
			counts[z] = c
		}
		if r.isReady(n, now) {
			c.ready++
		} else {
			c.notReady++
		}
	}
	states := map[string]ZoneState{}
	allFull := len(counts) > 0
	for z, c := range counts {
		states[z] = ComputeZoneState(c.ready, c.notReady, r.opts.UnhealthyZoneThreshold)
		if states[z] != StateFullDisruption {
			allFull = false
		}
	}
	switch {
	case allFull && !r.allFull:
		r.log.Info("every zone is fully disrupted: no node is tainted NoExecute and no pod evicted until one node is ready again")
	case !allFull && r.allFull:
		r.log.Info("a node is ready again: leaving full disruption; every node gets a new grace period")
		for _, h := range r.health {
			if h.probe.Before(now) {
				h.probe = now
			}
		}
	}
	modeChanged := allFull != r.allFull
	r.allFull = allFull
	for z, s := range states {
		zi := r.zones[z]
		size := counts[z].ready + counts[z].notReady
		if zi == nil || zi.state != s || modeChanged {
			zi = &zoneInfo{state: s, limiter: newBucket(r.rate(s, size, allFull), now)}
			r.zones[z] = zi
		}
		r.metrics.zone(z, size, counts[z].notReady)
	}
	for z := range r.zones {
		if _, ok := states[z]; !ok {
			delete(r.zones, z)
			r.metrics.dropZone(z)
		}
	}
}

// isReady reports whether node counts as ready for its zone's state; r.mu
// held.
func (r *Reconciler) isReady(n *corev1.Node, now time.Time) bool {
	if h := r.health[n.Name]; h != nil && h.uid == n.UID {
		return h.ready && !now.After(h.probe.Add(h.grace))
	}
	c := nodeCondition(&n.Status, corev1.NodeReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// rate is the NoExecute tainting rate of a zone of size nodes in state s.
func (r *Reconciler) rate(s ZoneState, size int, allFull bool) float64 {
	switch {
	case allFull:
		return 0
	case s == StatePartialDisruption && size > r.opts.LargeClusterSizeThreshold:
		return r.opts.SecondaryEvictionRate
	case s == StatePartialDisruption:
		return 0
	}
	return r.opts.EvictionRate
}
