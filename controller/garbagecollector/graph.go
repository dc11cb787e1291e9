package garbagecollector

import (
	"slices"
	"strings"
	"sync"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
)

// The finalizers the API server adds for the propagation policies, which
// the collector honours and removes.
const (
	// FinalizerOrphan holds an owner deleted with propagationPolicy
	// Orphan until its dependents no longer point at it.
	FinalizerOrphan = "orphan"
	// FinalizerForeground holds an owner deleted with propagationPolicy
	// Foreground until its dependents with blockOwnerDeletion are gone.
	FinalizerForeground = "foregroundDeletion"
)

// groupKind names a kind independent of its version, as owner references
// are matched.
type groupKind struct {
	Group, Kind string
}

// objectID identifies a node: the coordinates of an object and its uid.
type objectID struct {
	Group, Kind, Namespace, Name string
	UID                          types.UID
}

func (id objectID) String() string {
	gk := id.Kind
	if id.Group != "" {
		gk += "." + id.Group
	}
	if id.Namespace != "" {
		return gk + " " + id.Namespace + "/" + id.Name + " (" + string(id.UID) + ")"
	}
	return gk + " " + id.Name + " (" + string(id.UID) + ")"
}

// apiGroup returns the group of an apiVersion ("apps/v1" -> "apps",
// "v1" -> "").
func apiGroup(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// node is an object in the ownership graph. A virtual node stands for an
// owner that some dependent names but no informer has reported (yet): it
// may not exist.
type node struct {
	id       objectID
	observed bool // false: virtual
	// beingDeleted is set when the object has a deletionTimestamp;
	// deletingDependents when it is also held by FinalizerForeground.
	beingDeleted       bool
	deletingDependents bool
	// owners are the object's ownerReferences as last observed.
	owners     []metav1.OwnerReference
	dependents map[*node]struct{}
}

// blocks reports whether n's reference to the owner with uid has
// blockOwnerDeletion set.
func (n *node) blocks(owner types.UID) bool {
	for _, ref := range n.owners {
		if ref.UID == owner && ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion {
			return true
		}
	}
	return false
}

// actions is what a change to the graph asks the workers to look at: the
// nodes whose deletion (or whose dependents' deletion) may now be due, and
// the owners whose dependents are to be orphaned.
type actions struct {
	attemptToDelete []types.UID
	attemptToOrphan []types.UID
}

func (a *actions) del(uid types.UID)    { a.attemptToDelete = append(a.attemptToDelete, uid) }
func (a *actions) orphan(uid types.UID) { a.attemptToOrphan = append(a.attemptToOrphan, uid) }

// graph is the ownership graph, the synchronous core of the collector:
// the informers' events change it, and each change returns the actions it
// calls for. It does no I/O. Any goroutine may call any method.
type graph struct {
	// namespaced says, for each kind the collector watches, whether its
	// objects live in namespaces; it is not modified after newGraph.
	namespaced map[groupKind]bool

	mu    sync.Mutex // guards nodes and every node reachable from it
	nodes map[types.UID]*node
}

func newGraph(namespaced map[groupKind]bool) *graph {
	return &graph{namespaced: namespaced, nodes: map[types.UID]*node{}}
}

// ownerRef says how a dependent's owner reference resolves.
type ownerRef int

const (
	refValid   ownerRef = iota
	refUnknown          // a kind the collector does not watch
	refInvalid          // a namespaced owner of a cluster-scoped dependent
)

// resolveOwner returns the identity of the owner ref names for a dependent
// with identity dep: a namespaced owner is in the dependent's namespace, a
// cluster-scoped one in none.
func (g *graph) resolveOwner(dep objectID, ref metav1.OwnerReference) (objectID, ownerRef) {
	gk := groupKind{apiGroup(ref.APIVersion), ref.Kind}
	id := objectID{Group: gk.Group, Kind: gk.Kind, Name: ref.Name, UID: ref.UID}
	namespaced, known := g.namespaced[gk]
	switch {
	case !known:
		id.Namespace = dep.Namespace
		return id, refUnknown
	case namespaced && dep.Namespace == "":
		return id, refInvalid
	case namespaced:
		id.Namespace = dep.Namespace
	}
	return id, refValid
}

// size returns the number of nodes, virtual ones included.
func (g *graph) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.nodes)
}

// observe records the object id with metadata m, as an informer reported
// it added or updated.
func (g *graph) observe(id objectID, m *metav1.ObjectMeta) actions {
	g.mu.Lock()
	defer g.mu.Unlock()
	var a actions
	n, ok := g.nodes[id.UID]
	if !ok {
		n = &node{id: id, dependents: map[*node]struct{}{}}
		g.nodes[id.UID] = n
	}
	n.id, n.observed = id, true
	old := n.owners
	n.owners = slices.Clone(m.OwnerReferences)
	g.updateOwners(n, old, &a)

	n.beingDeleted = m.DeletionTimestamp != nil
	if n.beingDeleted && slices.Contains(m.Finalizers, FinalizerOrphan) {
		a.orphan(n.id.UID)
	}
	deleting := n.beingDeleted && slices.Contains(m.Finalizers, FinalizerForeground)
	if deleting {
		if !n.deletingDependents {
			for dep := range n.dependents {
				a.del(dep.id.UID)
			}
		}
		a.del(n.id.UID)
	}
	n.deletingDependents = deleting
	return a
}

// updateOwners links n to the owners it names now and unlinks it from
// those it named before (old), creating virtual nodes for owners not in
// the graph. Owners whose foreground deletion n held or may now hold are
// looked at again, and so is n when an owner waits for its dependents or
// may be absent.
func (g *graph) updateOwners(n *node, old []metav1.OwnerReference, a *actions) {
	oldByUID := map[types.UID]metav1.OwnerReference{}
	for _, ref := range old {
		oldByUID[ref.UID] = ref
	}
	current := map[types.UID]bool{}
	for _, ref := range n.owners {
		current[ref.UID] = true
		prev, had := oldByUID[ref.UID]
		oid, kind := g.resolveOwner(n.id, ref)
		if kind != refValid {
			// Nothing to look up: the worker decides what the
			// reference means for n.
			a.del(n.id.UID)
			continue
		}
		owner, ok := g.nodes[ref.UID]
		switch {
		case !ok:
			owner = &node{id: oid, dependents: map[*node]struct{}{}}
			g.nodes[ref.UID] = owner
			a.del(owner.id.UID)
		case owner.id != oid:
			// The uid is known under other coordinates (another
			// namespace, kind or name): n's reference does not
			// resolve to it, so n is not its dependent; the worker
			// looks n's owner up where n's reference points.
			a.del(n.id.UID)
			continue
		}
		owner.dependents[n] = struct{}{}
		if owner.deletingDependents {
			a.del(n.id.UID)
			if had && !boolEqual(prev.BlockOwnerDeletion, ref.BlockOwnerDeletion) {
				a.del(owner.id.UID)
			}
		}
		if !owner.observed {
			a.del(n.id.UID)
		}
	}
	for uid := range oldByUID {
		if current[uid] {
			continue
		}
		if owner, ok := g.nodes[uid]; ok {
			delete(owner.dependents, n)
			if owner.deletingDependents {
				a.del(owner.id.UID)
			}
			g.dropIfUnused(owner)
		}
	}
}

// dropIfUnused removes a virtual node no dependent names any more.
func (g *graph) dropIfUnused(n *node) {
	if !n.observed && len(n.dependents) == 0 {
		delete(g.nodes, n.id.UID)
	}
}

func boolEqual(a, b *bool) bool {
	return (a != nil && *a) == (b != nil && *b)
}

// remove drops the node of uid, as an informer reported the object
// deleted: its dependents are looked at (their owner may be gone), and
// so are its owners waiting for their dependents.
func (g *graph) remove(uid types.UID) actions {
	g.mu.Lock()
	defer g.mu.Unlock()
	var a actions
	if n, ok := g.nodes[uid]; ok {
		g.removeNode(n, &a)
	}
	return a
}

// removeVirtual drops the node of uid if it is still virtual: a worker
// found that no object with its identity exists. It reports whether the
// node was removed.
func (g *graph) removeVirtual(uid types.UID) (actions, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var a actions
	n, ok := g.nodes[uid]
	if !ok || n.observed {
		return a, false
	}
	g.removeNode(n, &a)
	return a, true
}

func (g *graph) removeNode(n *node, a *actions) {
	delete(g.nodes, n.id.UID)
	for dep := range n.dependents {
		a.del(dep.id.UID)
	}
	for _, ref := range n.owners {
		if owner, ok := g.nodes[ref.UID]; ok {
			delete(owner.dependents, n)
			if owner.deletingDependents {
				a.del(owner.id.UID)
			}
			g.dropIfUnused(owner)
		}
	}
}

// nodeState is a copy of a node for a worker, taken under the lock.
type nodeState struct {
	id                 objectID
	observed           bool
	deletingDependents bool
	dependents         []depState
}

// depState is a dependent as its owner's worker sees it.
type depState struct {
	id                 objectID
	blocking           bool // its reference to the owner has blockOwnerDeletion
	deletingDependents bool
}

// state returns a copy of the node of uid, and false when there is none.
// The dependents are in uid order.
func (g *graph) state(uid types.UID) (nodeState, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return nodeState{}, false
	}
	s := nodeState{id: n.id, observed: n.observed, deletingDependents: n.deletingDependents}
	for dep := range n.dependents {
		s.dependents = append(s.dependents, depState{id: dep.id, blocking: dep.blocks(uid), deletingDependents: dep.deletingDependents})
	}
	slices.SortFunc(s.dependents, func(x, y depState) int { return strings.Compare(string(x.id.UID), string(y.id.UID)) })
	return s, true
}
