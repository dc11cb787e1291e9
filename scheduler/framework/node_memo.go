package framework

import (
	"context"
	"slices"
	"sync"
)

// NodeMemo remembers, for each of a few keys, a value computed from each
// node's NodeInfo, and recomputes it only for the nodes whose NodeInfo
// changed since the last call with the same key. A plugin whose PreFilter
// or PreScore visits every pod of every node (counting the pods that
// match the incoming pod's selectors, per topology domain) keys the memo
// by what the count depends on besides the node (the selectors, the
// namespaces), so that the next pod with the same constraints, typically
// the next replica of the same workload, only visits the nodes that
// changed in between: the one the previous pod was placed on, and the
// ones whose pods came and went.
//
// A remembered value is reused when the NodeInfo has the same node name
// and the same Generation as when it was computed. Generations come from
// one counter shared by every NodeInfo and change on every change made
// through NodeInfo's methods (SetNode, RemoveNode, AddPod, RemovePod), and
// NodeInfo.Snapshot keeps the Generation of the copy's source: two
// NodeInfos with one Generation hold the same node and pods. A NodeInfo
// with Generation 0 (built as a literal, not by NewNodeInfo) is never
// remembered. The value is therefore exactly what compute would return,
// provided compute depends only on the NodeInfo and the key.
//
// A NodeMemo is safe for concurrent use. Calls with one key are
// serialised; the least recently used key is forgotten when there are
// more than the limit given to NewNodeMemo.
type NodeMemo[V any] struct {
	maxKeys int

	mu   sync.Mutex // guards tick and keys
	tick uint64
	keys map[string]*nodeMemoKey[V]
}

type nodeMemoKey[V any] struct {
	mu      sync.Mutex // guards the fields below; held for a whole call
	lastUse uint64     // NodeMemo.tick at the last call; guarded by NodeMemo.mu
	stamp   uint64
	nodes   map[string]*nodeMemoValue[V] // the remembered values by node name
	// order holds the values of the last call's nodes by position: the
	// node list rarely changes between cycles, so a value is usually
	// found here without a map lookup.
	order []*nodeMemoValue[V]
	// spare is the buffer of the call before last, reused for the next
	// call's order.
	spare []*nodeMemoValue[V]
	// orderNI and orderGen hold, in flat arrays, each order value's
	// NodeInfo and Generation; aligned is set when order holds exactly
	// the values in nodes (no repeated name, no Generation 0). Then a call
	// with the same NodeInfos in the same positions finds the changed
	// ones by comparing flat arrays, without reading the values.
	orderNI  []*NodeInfo
	orderGen []int64
	aligned  bool
	// agg is NodeAggregate's aggregate of the values in nodes, or nil.
	agg   any
	stale []int // scratch, reused across calls
}

type nodeMemoValue[V any] struct {
	ni     *NodeInfo // the NodeInfo v was computed from (or a copy of it)
	gen    int64
	seen   uint64
	stored bool   // in nodeMemoKey.nodes
	pos    int    // position in nodeMemoKey.order
	name   string // ni's node name when v was computed
	v      V
}

// NewNodeMemo returns an empty memo that remembers at most maxKeys keys
// (at least 1).
func NewNodeMemo[V any](maxKeys int) *NodeMemo[V] {
	return &NodeMemo[V]{maxKeys: max(1, maxKeys), keys: make(map[string]*nodeMemoKey[V])}
}

// entry returns key's entry, creating it and forgetting the least recently
// used key if needed.
func (m *NodeMemo[V]) entry(key string) *nodeMemoKey[V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tick++
	e, ok := m.keys[key]
	if !ok {
		if len(m.keys) >= m.maxKeys {
			var oldest string
			var oldestUse uint64
			first := true
			for k, o := range m.keys {
				if first || o.lastUse < oldestUse {
					oldest, oldestUse, first = k, o.lastUse, false
				}
			}
			delete(m.keys, oldest)
		}
		e = &nodeMemoKey[V]{nodes: make(map[string]*nodeMemoValue[V])}
		m.keys[key] = e
	}
	e.lastUse = m.tick
	return e
}

// Visit calls visit(i, v) for each i in nodes in order, serially, where v
// is compute(nodes[i]): remembered for key when nodes[i] did not change
// since it was computed, and otherwise computed now, in parallel with p
// (operation names the work, as in Parallelizer.Until). compute may be
// called from several goroutines at once; it must depend only on its
// NodeInfo and on what key stands for. Nodes of the last call with key
// that are not in nodes are forgotten. visit must not modify v.
//
// When ctx is cancelled while computing, Visit calls visit for no node
// and returns ctx's error.
func (m *NodeMemo[V]) Visit(ctx context.Context, p Parallelizer, key string, nodes []*NodeInfo, compute func(*NodeInfo) V, visit func(i int, v V), operation string) error {
	e := m.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	vals, _, err := e.update(ctx, p, nodes, compute, nil, operation)
	if err != nil {
		return err
	}
	for i, r := range vals {
		visit(i, r.v)
	}
	return nil
}

// NodeAggregate is like NodeMemo.Visit, but instead of visiting every
// node's value it keeps, per key, an aggregate of the values of the nodes
// (a sum, typically) up to date: newAgg makes an empty one, and apply adds
// a value to it (sign 1) or takes one away (sign -1); apply must undo
// exactly what it did with sign 1 when given the same value with sign -1.
// Then use is called with the aggregate of the values of exactly nodes.
// The cost of a call is then one step per node plus compute and apply for
// the changed nodes only. use must not keep the aggregate or change what
// apply keeps in it: it belongs to the memo. use runs under the memo's
// lock for key, so it may derive from the aggregate, and cache in it,
// values it hands out that are never changed afterwards (as
// InterPodAffinity publishes immutable views of its counts). A memo used
// with NodeAggregate must always be used with the same A.
func NodeAggregate[V, A any](ctx context.Context, m *NodeMemo[V], p Parallelizer, key string, nodes []*NodeInfo, compute func(*NodeInfo) V, newAgg func() A, apply func(agg A, v V, sign int64), use func(agg A), operation string) error {
	e := m.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	agg, ok := e.agg.(A)
	if !ok {
		agg = newAgg()
		for _, r := range e.nodes {
			apply(agg, r.v, 1)
		}
		e.agg = agg
	}
	vals, complete, err := e.update(ctx, p, nodes, compute, func(v V, sign int64) { apply(agg, v, sign) }, operation)
	if err != nil {
		return err
	}
	if !complete {
		// Some nodes could not be remembered (Generation 0, or a name
		// repeated): aggregate this call's values apart.
		tmp := newAgg()
		for _, r := range vals {
			apply(tmp, r.v, 1)
		}
		use(tmp)
		return nil
	}
	use(agg)
	return nil
}

// update brings e up to date with nodes and returns each node's value;
// complete is false when some values are not remembered. change, when not
// nil, is called with each remembered value dropped (-1) or added (1).
// The caller holds e.mu.
func (e *nodeMemoKey[V]) update(ctx context.Context, p Parallelizer, nodes []*NodeInfo, compute func(*NodeInfo) V, change func(V, int64), operation string) (vals []*nodeMemoValue[V], complete bool, err error) {
	e.stamp++
	if vals, ok, err := e.updateAligned(ctx, p, nodes, compute, change, operation); ok || err != nil {
		return vals, ok, err
	}
	e.aligned = false
	// vals reuses the buffer of the call before last: e.order (the last
	// call's) is read below while vals is filled.
	if cap(e.spare) >= len(nodes) {
		vals = e.spare[:len(nodes)]
	} else {
		// Room for lists that grow by a few nodes from call to call.
		vals = make([]*nodeMemoValue[V], len(nodes), len(nodes)+len(nodes)/8+16)
	}
	e.spare = nil
	stale := e.stale[:0]
	defer func() { e.stale = stale[:0] }()
	remembered := 0
	complete = true
	// next is the position in e.order where nodes[i] is expected: the
	// position after the previous node's. Node lists change by a few
	// nodes joining or leaving between calls, so after each such change
	// the rest of the nodes are found in order again.
	next := 0
	for i, ni := range nodes {
		var r *nodeMemoValue[V]
		if next < len(e.order) && e.order[next].ni == ni {
			// The same NodeInfo where expected: no need to read its
			// node's name.
			r = e.order[next]
			next++
		} else if r = e.nodes[ni.NodeName()]; r != nil && r.pos >= 0 && r.pos < len(e.order) && e.order[r.pos] == r {
			next = r.pos + 1
		}
		if r != nil && r.gen == ni.Generation && ni.Generation != 0 && r.seen != e.stamp && r.stored {
			r.seen = e.stamp
			r.pos = i // its old position was read above, and is not needed again
			vals[i] = r
			remembered++
			continue
		}
		stale = append(stale, i)
	}
	if len(stale) > 0 {
		fresh := make([]V, len(stale))
		p.Until(ctx, len(stale), func(j int) {
			fresh[j] = compute(nodes[stale[j]])
		}, operation)
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		for j, i := range stale {
			ni := nodes[i]
			name := ni.NodeName()
			r := &nodeMemoValue[V]{ni: ni, gen: ni.Generation, seen: e.stamp, pos: i, name: name, v: fresh[j]}
			vals[i] = r
			old := e.nodes[name]
			if ni.Generation == 0 || (old != nil && old.seen == e.stamp) {
				// Generation 0 is never remembered; of a name repeated
				// in nodes, only the first NodeInfo is.
				complete = false
				continue
			}
			if old != nil {
				old.stored = false
				if change != nil {
					change(old.v, -1)
				}
			}
			r.stored = true
			e.nodes[name] = r
			remembered++
			if change != nil {
				change(r.v, 1)
			}
		}
	}
	if len(e.nodes) > remembered {
		for name, r := range e.nodes {
			if r.seen != e.stamp {
				if change != nil {
					change(r.v, -1)
				}
				r.stored = false
				delete(e.nodes, name)
			}
		}
	}
	clear(e.order) // drop the old values the buffer still points to
	e.spare = e.order
	e.order = vals
	e.orderNI = slices.Grow(e.orderNI[:0], len(vals))
	e.orderGen = slices.Grow(e.orderGen[:0], len(vals))
	for _, r := range vals {
		e.orderNI = append(e.orderNI, r.ni)
		e.orderGen = append(e.orderGen, r.gen)
	}
	e.aligned = complete && len(e.nodes) == len(vals)
	return vals, complete, nil
}

// updateAligned is update's fast path, for a call with the same NodeInfos
// in the same positions as the last one, when that one was aligned: only
// the NodeInfos whose Generation changed are recomputed. It returns false,
// having changed nothing, when it does not apply; then update takes the
// general path.
func (e *nodeMemoKey[V]) updateAligned(ctx context.Context, p Parallelizer, nodes []*NodeInfo, compute func(*NodeInfo) V, change func(V, int64), operation string) ([]*nodeMemoValue[V], bool, error) {
	if !e.aligned || len(nodes) != len(e.orderNI) {
		return nil, false, nil
	}
	changed := e.stale[:0]
	defer func() { e.stale = changed[:0] }()
	for i, ni := range nodes {
		if ni != e.orderNI[i] {
			return nil, false, nil
		}
		if ni.Generation != e.orderGen[i] {
			changed = append(changed, i)
		}
	}
	for _, i := range changed {
		// A Generation of 0, or a NodeInfo now holding another node,
		// needs the general path's bookkeeping.
		if nodes[i].Generation == 0 || nodes[i].NodeName() != e.order[i].name {
			return nil, false, nil
		}
	}
	if len(changed) > 0 {
		fresh := make([]V, len(changed))
		p.Until(ctx, len(changed), func(j int) {
			fresh[j] = compute(nodes[changed[j]])
		}, operation)
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		for j, i := range changed {
			ni := nodes[i]
			old := e.order[i]
			r := &nodeMemoValue[V]{ni: ni, gen: ni.Generation, seen: e.stamp, pos: i, name: old.name, stored: true, v: fresh[j]}
			old.stored = false
			if change != nil {
				change(old.v, -1)
				change(r.v, 1)
			}
			e.nodes[old.name] = r
			e.order[i] = r
			e.orderGen[i] = r.gen
		}
	}
	return e.order, true, nil
}
