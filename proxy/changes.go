package proxy

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/client"
)

// sliceServiceIndex names the EndpointSlice informer's index of slices by
// the serviceID of their Service (see sliceServiceID), through which a sync
// reads one Service's slices.
const sliceServiceIndex = "proxy.rigging.dev/service"

// indexSliceByService indexes a slice under its sliceServiceID; a slice
// without the kubernetes.io/service-name label is not indexed.
func indexSliceByService(s *discoveryv1.EndpointSlice) ([]string, error) {
	if id := sliceServiceID(s); id != "" {
		return []string{id}, nil
	}
	return nil, nil
}

// serviceHandler marks a Service dirty on every change to it.
func (p *Proxy) serviceHandler() client.Handler[corev1.Service] {
	mark := func(s *corev1.Service) { p.markDirty(serviceID(s.Namespace, s.Name), "") }
	return client.HandlerFuncs[corev1.Service]{
		AddFunc:    func(s *corev1.Service, _ bool) { mark(s) },
		UpdateFunc: func(_, s *corev1.Service) { mark(s) },
		DeleteFunc: func(s *corev1.Service, _ bool) { mark(s) },
	}
}

// sliceHandler marks dirty the Service an EndpointSlice belongs to; on an
// update, both the Service it belonged to and the one it belongs to now,
// so that a slice whose kubernetes.io/service-name label changed or was
// removed leaves its old Service.
func (p *Proxy) sliceHandler() client.Handler[discoveryv1.EndpointSlice] {
	return client.HandlerFuncs[discoveryv1.EndpointSlice]{
		AddFunc:    func(s *discoveryv1.EndpointSlice, _ bool) { p.markDirty(sliceServiceID(s), "") },
		UpdateFunc: func(o, s *discoveryv1.EndpointSlice) { p.markDirty(sliceServiceID(o), sliceServiceID(s)) },
		DeleteFunc: func(s *discoveryv1.EndpointSlice, _ bool) { p.markDirty(sliceServiceID(s), "") },
	}
}

// markDirty records that the Services a and b ("" for none) changed, and
// wakes the sync loop. The informers call it after their caches hold the
// change, so a sync that takes the mark reads the change (or a later one)
// from the listers.
func (p *Proxy) markDirty(a, b string) {
	if a == "" && b == "" {
		return
	}
	p.dirtyMu.Lock()
	if a != "" {
		p.dirty[a] = struct{}{}
	}
	if b != "" {
		p.dirty[b] = struct{}{}
	}
	p.dirtyMu.Unlock()
	p.wake()
}

// wake tells the sync loop to sync soon.
func (p *Proxy) wake() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// takeDirty returns the dirty Services and empties the set. A sync takes
// them before it reads the listers: a change marked later is left for the
// next sync.
func (p *Proxy) takeDirty() map[string]struct{} {
	p.dirtyMu.Lock()
	defer p.dirtyMu.Unlock()
	d := p.dirty
	if len(d) == 0 {
		return nil
	}
	p.dirty = map[string]struct{}{}
	return d
}
