package proxy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/client"
)

// Sync brings the dataplane up to date with the caches now, updating
// metrics and health. Run calls it after changes; it is exported for
// programs that drive the proxy themselves, and fails before Run has set
// up its caches. Only one Sync or Resync runs at a time.
//
// Sync is incremental: the informers' handlers record which Services
// changed (a Service, or an EndpointSlice labelled with its name; both the
// old and the new Service of a slice whose label changed), and Sync
// recomputes only those Services' frontends, from the listers, with
// Desired's rules, updating the State it keeps in place. Its cost is that
// of the changed Services, whatever the number of Services. When the
// Dataplane implements ServiceApplier, Sync calls ApplyService for each
// frontend added, changed (Backends, Affinity, Balancing or Name) or
// removed (nil), which costs in the dataplane what changed rather than
// what exists; nothing when no frontend changed. It hands the whole State
// to Apply instead when the dataplane has no ServiceApplier (but not when
// nothing changed), when more than a quarter of the frontends changed, on
// the first sync, after a failed sync, and when an ApplyService fails (the
// failure is logged and the full Apply decides the result).
func (p *Proxy) Sync(ctx context.Context) error { return p.sync(ctx, false) }

// Resync recomputes the whole State from the listers (as Desired does)
// and hands it to Apply, so that the dataplane repairs drift; Run calls it
// every ResyncPeriod. It costs a pass over every Service and EndpointSlice
// and a whole-State Apply.
func (p *Proxy) Resync(ctx context.Context) error { return p.sync(ctx, true) }

func (p *Proxy) sync(ctx context.Context, full bool) error {
	p.mu.Lock()
	sl, el := p.svcLister, p.sliceLister
	p.mu.Unlock()
	if sl == nil {
		return errors.New("proxy: sync before Run")
	}
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	start := p.opts.Now()
	// Take the marks before reading the listers: see markDirty.
	dirty := p.takeDirty()
	if full || p.tracker == nil {
		p.rebuild(sl.List(nil), el.List(nil))
		return p.push(ctx, nil, true, start)
	}
	ch := changeSet{}
	for id := range dirty {
		p.update(id, sl, el, ch)
	}
	return p.push(ctx, ch.changed(p.tracker.state), false, start)
}

// node is the Node the proxy computes for.
func (p *Proxy) node() Node { return Node{Name: p.opts.NodeName, Addresses: p.opts.NodeAddresses} }

// rebuild replaces the tracker with one computed from every Service and
// EndpointSlice, and logs the skipped ports not reported before. The
// caller holds syncMu.
func (p *Proxy) rebuild(svcs []*corev1.Service, sls []*discoveryv1.EndpointSlice) {
	byService := slicesByService(sls)
	node := p.node()
	t := newTracker(len(svcs))
	for _, svc := range svcs {
		id := serviceID(svc.Namespace, svc.Name)
		fronts, skipped := frontendsOf(id, svc, byService[id], node)
		t.set(id, fronts, skipped, nil)
		if len(skipped) == 0 {
			continue
		}
		var before []Skipped
		if p.tracker != nil {
			if e := p.tracker.services[id]; e != nil {
				before = e.skipped
			}
		}
		p.logSkipped(newSkipped(skipped, before))
	}
	p.tracker = t
}

// update recomputes the Service id from the listers (it is gone when the
// Service is not cached), recording in ch the frontends it replaced. The
// caller holds syncMu.
func (p *Proxy) update(id string, sl *client.Lister[corev1.Service], el *client.Lister[discoveryv1.EndpointSlice], ch changeSet) {
	var fronts []frontend
	var skipped []Skipped
	ns, name, _ := strings.Cut(id, "/")
	if svc, err := sl.Get(ns, name); err == nil {
		sls, err := el.ByIndex(sliceServiceIndex, id)
		if err != nil {
			// No index (Run adds it before any sync): read the
			// namespace's slices instead.
			sls = slices.DeleteFunc(el.ListNamespace(ns, nil), func(s *discoveryv1.EndpointSlice) bool { return sliceServiceID(s) != id })
		}
		fronts, skipped = frontendsOf(id, svc, sls, p.node())
	}
	p.logSkipped(p.tracker.set(id, fronts, skipped, ch))
}

// push hands the tracker's State to the Dataplane: the frontends in
// changes through ServiceApplier when it can (see Sync), or the whole State
// to Apply when full is set or it cannot; then records the outcome in
// metrics and health. start is when the sync began, for the duration
// histogram. The caller holds syncMu.
func (p *Proxy) push(ctx context.Context, changes []ServiceKey, full bool, start time.Time) error {
	st := p.tracker.state
	mode := "full"
	err := errors.New("not applied")
	if !full && p.known {
		sa, ok := p.opts.Dataplane.(ServiceApplier)
		switch {
		case len(changes) == 0:
			mode, err = "incremental", nil
		case ok && len(changes)*4 <= len(st.Services):
			mode = "incremental"
			err = applyChanges(ctx, sa, st, changes)
			if err != nil {
				p.opts.Logger.Error(err, "incremental sync failed; applying the whole State", "changes", len(changes))
			}
		}
	}
	if err != nil {
		// What the dataplane holds is unknown until Apply succeeds.
		p.known = false
		mode = "full"
		// A copy of the map: the tracker changes its own in place, and
		// the dataplane may keep what it is given (see Dataplane).
		err = p.opts.Dataplane.Apply(ctx, &State{Services: maps.Clone(st.Services)})
	}
	p.known = err == nil
	p.metrics.syncDuration.Observe(p.opts.Now().Sub(start).Seconds())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
	if err != nil {
		p.metrics.syncErrors.Inc()
		return fmt.Errorf("proxy: apply %d services: %w", len(st.Services), err)
	}
	p.syncs.WithLabelValues(mode).Inc()
	p.lastSuccess = p.opts.Now()
	p.metrics.lastSuccess.Set(float64(p.lastSuccess.UnixNano()) / 1e9)
	p.metrics.services.Set(float64(len(st.Services)))
	p.metrics.endpoints.Set(float64(p.tracker.backends))
	return nil
}

// applyChanges calls ApplyService for each key, with st's Service or nil
// when st has none, and stops at the first error.
func applyChanges(ctx context.Context, sa ServiceApplier, st *State, keys []ServiceKey) error {
	for _, k := range keys {
		svc := st.Services[k] // nil when removed
		if err := sa.ApplyService(ctx, k, svc); err != nil {
			return fmt.Errorf("apply service %s: %w", k, err)
		}
	}
	return nil
}

// newSkipped returns the entries of skipped not in before.
func newSkipped(skipped, before []Skipped) []Skipped {
	var out []Skipped
	for _, s := range skipped {
		if !containsSkipped(before, s) {
			out = append(out, s)
		}
	}
	return out
}

func containsSkipped(l []Skipped, s Skipped) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// logSkipped logs service ports newly skipped: each once while it stays
// skipped, and again if it is skipped again after being fixed.
func (p *Proxy) logSkipped(skipped []Skipped) {
	for _, s := range skipped {
		p.opts.Logger.Info("service port skipped", "service", s.Service, "reason", s.Reason)
	}
}
