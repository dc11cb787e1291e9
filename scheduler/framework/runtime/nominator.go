package runtime

import (
	"slices"
	"sync"
	"sync/atomic"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// Nominator is the in-memory framework.PodNominator. It is safe for
// concurrent use.
type Nominator struct {
	mu     sync.RWMutex                    // guards byNode and byPod
	byNode map[string][]*framework.PodInfo // node name -> pods nominated to it
	byPod  map[string]string               // PodKey -> node name
	gen    atomic.Uint64
	// count is len(byPod), written under mu, read without it so that the
	// per-node lookups of a cycle without nominations take no lock.
	count atomic.Int64
}

// Generation returns a number that changes on every change of the
// nominations.
func (n *Nominator) Generation() uint64 { return n.gen.Load() }

// Len returns the number of nominated pods.
func (n *Nominator) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.byPod)
}

var _ framework.PodNominator = (*Nominator)(nil)

// NewNominator returns an empty Nominator.
func NewNominator() *Nominator {
	return &Nominator{byNode: make(map[string][]*framework.PodInfo), byPod: make(map[string]string)}
}

// AddNominatedPod records pod as nominated. With a nil or ModeNoop
// nominatingInfo the node is pod.Status.NominatedNodeName; an empty node
// name records nothing. A pod already bound (spec.nodeName set) is not
// recorded.
func (n *Nominator) AddNominatedPod(pi *framework.PodInfo, ni *framework.NominatingInfo) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pi.Pod)
	node := pi.Pod.Status.NominatedNodeName
	if ni.Mode() == framework.ModeOverride {
		node = ni.NominatedNodeName
	}
	if node == "" || pi.Pod.Spec.NodeName != "" {
		return
	}
	n.byPod[framework.PodKey(pi.Pod)] = node
	n.count.Store(int64(len(n.byPod)))
	n.gen.Add(1)
	n.byNode[node] = append(n.byNode[node], pi)
}

func (n *Nominator) deleteLocked(pod *corev1.Pod) {
	key := framework.PodKey(pod)
	node, ok := n.byPod[key]
	if !ok {
		return
	}
	delete(n.byPod, key)
	n.count.Store(int64(len(n.byPod)))
	n.gen.Add(1)
	list := n.byNode[node]
	for i, pi := range list {
		if framework.PodKey(pi.Pod) == key {
			list = slices.Delete(slices.Clone(list), i, i+1)
			break
		}
	}
	if len(list) == 0 {
		delete(n.byNode, node)
	} else {
		n.byNode[node] = list
	}
}

// DeleteNominatedPodIfExists forgets pod's nomination.
func (n *Nominator) DeleteNominatedPodIfExists(pod *corev1.Pod) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod)
}

// UpdateNominatedPod moves the nomination of oldPod to newPodInfo, keeping
// the nominated node when the new pod does not name one.
func (n *Nominator) UpdateNominatedPod(oldPod *corev1.Pod, newPodInfo *framework.PodInfo) {
	n.mu.Lock()
	node, had := n.byPod[framework.PodKey(oldPod)]
	n.mu.Unlock()
	var ni *framework.NominatingInfo
	if had && newPodInfo.Pod.Status.NominatedNodeName == "" {
		ni = &framework.NominatingInfo{NominatedNodeName: node, NominatingMode: framework.ModeOverride}
	}
	n.DeleteNominatedPodIfExists(oldPod)
	n.AddNominatedPod(newPodInfo, ni)
}

// NominatedPodsForNode returns the pods nominated to node. The returned
// slice is not modified afterwards (updates copy it). When no pod is
// nominated at all it returns nil without taking a lock.
func (n *Nominator) NominatedPodsForNode(node string) []*framework.PodInfo {
	if n.count.Load() == 0 {
		return nil
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.byNode[node]
}

// NominatedNodeName returns the node pod is nominated to, or "".
func (n *Nominator) NominatedNodeName(pod *corev1.Pod) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.byPod[framework.PodKey(pod)]
}
