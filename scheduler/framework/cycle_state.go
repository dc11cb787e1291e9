package framework

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrNotFound is returned (wrapped) by CycleState.Read when the key is
// absent.
var ErrNotFound = errors.New("not found")

// StateKey names an entry of a CycleState; plugins use their own name or a
// prefix of it ("PreFilterNodeResourcesFit") so keys do not collide.
type StateKey string

// StateData is a value stored in a CycleState. Clone returns a copy that the
// framework may change independently (preemption and nominated pods clone
// the state and add or remove pods in the copy); a value that is never
// changed after PreFilter may return itself.
type StateData interface {
	Clone() StateData
}

// CycleState is the per-pod, per-cycle scratch space that plugins share:
// PreFilter computes, Filter reads. It is safe for concurrent use, because
// Filter and Score run in parallel over nodes; values themselves must be
// safe for the concurrent reads plugins make of them.
type CycleState struct {
	// storage holds the values by key in a map that is never changed once
	// stored: writers copy it under mu and store the copy, so that the
	// many concurrent reads of Filter and Score take no lock and read a
	// plain map. Writes are few (one or two per plugin and cycle).
	storage atomic.Pointer[map[StateKey]StateData]
	mu      sync.Mutex // serialises writers of storage

	// SkipFilterPlugins names the plugins whose PreFilter returned Skip; the
	// framework does not run their Filter. Written only by the framework
	// before Filter starts.
	SkipFilterPlugins map[string]struct{}
	// SkipScorePlugins names the plugins whose PreScore returned Skip.
	SkipScorePlugins map[string]struct{}
}

// NewCycleState returns an empty CycleState.
func NewCycleState() *CycleState { return &CycleState{} }

// Read returns the value of key, or an error wrapping ErrNotFound.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	if m := c.storage.Load(); m != nil {
		if v, ok := (*m)[key]; ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("cycle state key %q: %w", key, ErrNotFound)
}

// Write stores val under key, replacing any earlier value.
func (c *CycleState) Write(key StateKey, val StateData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.copyLocked(1)
	m[key] = val
	c.storage.Store(&m)
}

// Delete removes key.
func (c *CycleState) Delete(key StateKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := (*c.loadLocked())[key]; !ok {
		return
	}
	m := c.copyLocked(0)
	delete(m, key)
	c.storage.Store(&m)
}

// loadLocked returns the current map, never nil. The caller holds mu.
func (c *CycleState) loadLocked() *map[StateKey]StateData {
	if m := c.storage.Load(); m != nil {
		return m
	}
	return &map[StateKey]StateData{}
}

// copyLocked returns a copy of the current map with room for extra more
// entries. The caller holds mu.
func (c *CycleState) copyLocked(extra int) map[StateKey]StateData {
	old := *c.loadLocked()
	m := make(map[StateKey]StateData, len(old)+extra)
	for k, v := range old {
		m[k] = v
	}
	return m
}

// Clone returns a deep copy: each value is copied with its Clone method. A
// nil CycleState clones to nil.
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	out := NewCycleState()
	if old := c.storage.Load(); old != nil {
		m := make(map[StateKey]StateData, len(*old))
		for k, v := range *old {
			m[k] = v.Clone()
		}
		out.storage.Store(&m)
	}
	out.SkipFilterPlugins = cloneSet(c.SkipFilterPlugins)
	out.SkipScorePlugins = cloneSet(c.SkipScorePlugins)
	return out
}

// ReadState reads key from c and asserts its type: the typed form of Read.
// It returns an error naming the key when the value is absent (wrapping
// ErrNotFound) or of another type.
func ReadState[T StateData](c *CycleState, key StateKey) (T, error) {
	var zero T
	v, err := c.Read(key)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("cycle state key %q holds %T, not %T", key, v, zero)
	}
	return t, nil
}

func cloneSet(s map[string]struct{}) map[string]struct{} {
	if s == nil {
		return nil
	}
	out := make(map[string]struct{}, len(s))
	for k := range s {
		out[k] = struct{}{}
	}
	return out
}
