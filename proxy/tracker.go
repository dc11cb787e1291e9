package proxy

import (
	"slices"
)

// tracker keeps a node's State up to date one Service at a time, so that a
// change costs what the changed Service yields rather than what exists. It
// is the incremental form of Desired: after any sequence of set calls, its
// State equals Desired over the Services and EndpointSlices those calls
// were computed from (checked by TestTrackerMatchesDesired), including
// Desired's rule that of two Services yielding one frontend, the one whose
// serviceID sorts first gets it.
//
// A tracker is not safe for concurrent use: the Proxy guards it with
// syncMu. Its State's map is modified in place, but a *Service in it is
// never modified once stored (a change stores a new one), so the Services
// handed to a dataplane stay as they were.
type tracker struct {
	// state is the current State: for each frontend, the Service of its
	// owner.
	state *State
	// services holds, by serviceID, what each Service yields; a Service
	// that yields nothing and skips nothing is absent.
	services map[string]*tracked
	// owner is the serviceID whose Service is in state, for each key of
	// state.
	owner map[ServiceKey]string
	// others are the further Services yielding a frontend, for the rare
	// frontends that more than one Service yields (unordered).
	others map[ServiceKey][]string
	// backends is the number of backends summed over state.
	backends int
}

// tracked is what one Service yields.
type tracked struct {
	fronts  []frontend // sorted by key, each key once
	skipped []Skipped
}

// newTracker returns an empty tracker with room for about n frontends.
func newTracker(n int) *tracker {
	return &tracker{
		state:    &State{Services: make(map[ServiceKey]*Service, n)},
		services: make(map[string]*tracked, n),
		owner:    make(map[ServiceKey]string, n),
		others:   map[ServiceKey][]string{},
	}
}

// set makes fronts (sorted by key, each key once, as frontendsOf returns
// them) and skipped what the Service id yields; nil and nil when it is gone.
// It records in ch, when ch is not nil, the value before the change of
// every key whose entry in the State it replaced. It returns the skipped
// ports that the Service did not already report, for logging.
func (t *tracker) set(id string, fronts []frontend, skipped []Skipped, ch changeSet) []Skipped {
	old := t.services[id]
	var oldFronts []frontend
	var oldSkipped []Skipped
	if old != nil {
		oldFronts, oldSkipped = old.fronts, old.skipped
	}
	// Walk the old and new frontends together, both sorted by key.
	i, j := 0, 0
	for i < len(oldFronts) || j < len(fronts) {
		c := -1 // an old key only
		switch {
		case i == len(oldFronts):
			c = 1 // a new key only
		case j < len(fronts):
			c = compareKeys(oldFronts[i].key, fronts[j].key)
		}
		switch {
		case c < 0:
			t.release(id, oldFronts[i].key, ch)
			i++
		case c > 0:
			t.claim(id, fronts[j], ch)
			j++
		default:
			t.claim(id, fronts[j], ch)
			i++
			j++
		}
	}
	if len(fronts) == 0 && len(skipped) == 0 {
		delete(t.services, id)
	} else {
		t.services[id] = &tracked{fronts: fronts, skipped: skipped}
	}
	return newSkipped(skipped, oldSkipped)
}

// claim records that Service id yields f, and puts f in the State when id
// owns (or takes) its key.
func (t *tracker) claim(id string, f frontend, ch changeSet) {
	o, ok := t.owner[f.key]
	switch {
	case !ok || o == id:
		t.owner[f.key] = id
		t.put(f.key, f.svc, ch)
	case id < o:
		// id sorts first: it takes the frontend.
		t.others[f.key] = append(t.others[f.key], o)
		t.owner[f.key] = id
		t.put(f.key, f.svc, ch)
	default:
		if !slices.Contains(t.others[f.key], id) {
			t.others[f.key] = append(t.others[f.key], id)
		}
	}
}

// release records that Service id no longer yields key: when it owned the
// key, the first of the other Services yielding it takes it, or it leaves
// the State.
func (t *tracker) release(id string, key ServiceKey, ch changeSet) {
	others := t.others[key]
	if t.owner[key] != id {
		if k := slices.Index(others, id); k >= 0 {
			others = slices.Delete(others, k, k+1)
			if len(others) == 0 {
				delete(t.others, key)
			} else {
				t.others[key] = others
			}
		}
		return
	}
	if len(others) == 0 {
		delete(t.owner, key)
		t.put(key, nil, ch)
		return
	}
	k := 0
	for x := range others {
		if others[x] < others[k] {
			k = x
		}
	}
	next := others[k]
	others = slices.Delete(others, k, k+1)
	if len(others) == 0 {
		delete(t.others, key)
	} else {
		t.others[key] = others
	}
	t.owner[key] = next
	t.put(key, t.services[next].lookup(key), ch)
}

// lookup returns the Service the tracked Service yields for key; it must
// yield it.
func (e *tracked) lookup(key ServiceKey) *Service {
	i, ok := slices.BinarySearchFunc(e.fronts, key, func(f frontend, k ServiceKey) int { return compareKeys(f.key, k) })
	if !ok {
		panic("proxy: tracker: an owner does not yield its frontend " + key.String())
	}
	return e.fronts[i].svc
}

// put sets (svc nil: deletes) the State's entry for key, recording the
// previous value in ch.
func (t *tracker) put(key ServiceKey, svc *Service, ch changeSet) {
	prev, ok := t.state.Services[key]
	if ok && prev == svc {
		return
	}
	ch.record(key, prev)
	if ok {
		t.backends -= len(prev.Backends)
	}
	if svc == nil {
		delete(t.state.Services, key)
		return
	}
	t.state.Services[key] = svc
	t.backends += len(svc.Backends)
}

// changeSet maps each frontend a batch of set calls touched to its Service
// before the batch (nil when it had none). A nil changeSet records nothing.
type changeSet map[ServiceKey]*Service

func (c changeSet) record(key ServiceKey, prev *Service) {
	if c == nil {
		return
	}
	if _, ok := c[key]; !ok {
		c[key] = prev
	}
}

// changed returns the keys whose Service in st differs from before the
// batch (added, removed, or with other Backends, Affinity, Balancing or
// Name), sorted by key so that the dataplane sees them in a stable order.
func (c changeSet) changed(st *State) []ServiceKey {
	var keys []ServiceKey
	for k, before := range c {
		if !sameService(before, st.Services[k]) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// sameService reports whether a and b program the same (nil: no)
// frontend: equal Name, Affinity, Balancing and Backends. It costs a
// pointer comparison when they are the same Service, and otherwise stops
// at the first difference.
func sameService(a, b *Service) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	return a.Affinity == b.Affinity && a.Balancing == b.Balancing && len(a.Backends) == len(b.Backends) &&
		a.Name == b.Name && slices.Equal(a.Backends, b.Backends)
}
