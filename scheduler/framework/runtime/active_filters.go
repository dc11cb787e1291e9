package runtime

import (
	"reflect"
	"unsafe"

	"github.com/rigging-dev/rigging/scheduler/framework"
)

// activeFiltersKey names, in a CycleState, the Filter plugins that run in
// the cycle, worked out once from state.SkipFilterPlugins by
// RunPreFilterPlugins instead of by a lookup per plugin on every node.
const activeFiltersKey framework.StateKey = "runtime/ActiveFilterPlugins"

// activeFilters is the list of a Framework's Filter plugins not in the
// skip set identified by skip; it is valid while state.SkipFilterPlugins
// is that same map. Immutable.
type activeFilters struct {
	fw      *Framework
	skip    unsafe.Pointer
	plugins []framework.FilterPlugin
}

// Clone returns the receiver: it is never changed. A cloned CycleState
// gets a copy of the skip set, another map, so the clone falls back to
// looking plugins up in its set.
func (a *activeFilters) Clone() framework.StateData { return a }

// mapIdentity returns what identifies the map m (nil for a nil map).
func mapIdentity(m map[string]struct{}) unsafe.Pointer {
	return reflect.ValueOf(m).UnsafePointer()
}

// recordActiveFilters stores in state the Filter plugins of f that do not
// skip, given state.SkipFilterPlugins.
func (f *Framework) recordActiveFilters(state *framework.CycleState) {
	a := &activeFilters{fw: f, skip: mapIdentity(state.SkipFilterPlugins), plugins: make([]framework.FilterPlugin, 0, len(f.filter))}
	for _, pl := range f.filter {
		if _, skip := state.SkipFilterPlugins[pl.Name()]; !skip {
			a.plugins = append(a.plugins, pl)
		}
	}
	state.Write(activeFiltersKey, a)
}

// activeFilterPlugins returns the Filter plugins to run with state and
// true, when RunPreFilterPlugins recorded them for state's current skip
// set; otherwise false.
func (f *Framework) activeFilterPlugins(state *framework.CycleState) ([]framework.FilterPlugin, bool) {
	v, err := state.Read(activeFiltersKey)
	if err != nil {
		return nil, false
	}
	a, ok := v.(*activeFilters)
	if !ok || a.fw != f || a.skip != mapIdentity(state.SkipFilterPlugins) {
		return nil, false
	}
	return a.plugins, true
}
