package framework

import (
	"errors"
	"fmt"
	"sync"
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
	storage sync.Map // StateKey -> StateData

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
	if v, ok := c.storage.Load(key); ok {
		return v.(StateData), nil
	}
	return nil, fmt.Errorf("cycle state key %q: %w", key, ErrNotFound)
}

// Write stores val under key, replacing any earlier value.
func (c *CycleState) Write(key StateKey, val StateData) { c.storage.Store(key, val) }

// Delete removes key.
func (c *CycleState) Delete(key StateKey) { c.storage.Delete(key) }

// Clone returns a deep copy: each value is copied with its Clone method. A
// nil CycleState clones to nil.
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	out := NewCycleState()
	c.storage.Range(func(k, v any) bool {
		out.storage.Store(k, v.(StateData).Clone())
		return true
	})
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
