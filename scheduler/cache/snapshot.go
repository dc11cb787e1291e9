package cache

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// Snapshot is a consistent, read-only view of the cluster for one
// scheduling cycle: a NodeInfo per node, listed in zone-interleaved order.
// It implements framework.SharedLister and framework.NodeInfoLister.
//
// A Snapshot is not safe for concurrent use with UpdateSnapshot; the
// scheduler updates it between cycles, and plugins only read it during a
// cycle (from many goroutines at once, which is safe).
type Snapshot struct {
	nodeInfoMap  map[string]*framework.NodeInfo
	nodeInfoList []*framework.NodeInfo
	// withAffinity and withRequiredAnti are the nodes with pods that have
	// pod affinity or anti-affinity terms, and required anti-affinity
	// terms, in nodeInfoList order; kept up to date node by node as pods
	// come and go, without a scan of every node.
	withAffinity     subList
	withRequiredAnti subList
	generation       int64
	// epoch changes whenever the node list is rebuilt or image summaries
	// change; index maps node names to their position in nodeInfoList.
	epoch uint64
	index map[string]int
	// names and gens mirror nodeInfoList: each node's name and the
	// Generation of its NodeInfo, in flat arrays that are cheap to scan.
	names []string
	gens  []int64
}

var (
	_ framework.SharedLister   = (*Snapshot)(nil)
	_ framework.NodeInfoLister = (*Snapshot)(nil)
)

// NewEmptySnapshot returns a Snapshot with no nodes, for Cache.UpdateSnapshot
// to fill.
func NewEmptySnapshot() *Snapshot {
	return &Snapshot{nodeInfoMap: make(map[string]*framework.NodeInfo)}
}

// NewSnapshot returns a Snapshot of nodes and the pods bound to them (pods
// whose spec.nodeName names one of the nodes; others are ignored). The
// nodes and pods are shared, not copied, and must not be modified while
// the Snapshot is in use.
func NewSnapshot(pods []*corev1.Pod, nodes []*corev1.Node) *Snapshot {
	s := NewEmptySnapshot()
	tree := newNodeTree()
	for _, n := range nodes {
		ni := framework.NewNodeInfo()
		ni.SetNode(n)
		s.nodeInfoMap[n.Name] = ni
		tree.add(n)
	}
	for _, p := range pods {
		if ni, ok := s.nodeInfoMap[p.Spec.NodeName]; ok {
			ni.AddPod(p)
		}
	}
	images := make(map[string]int)
	for _, n := range nodes {
		for _, img := range n.Status.Images {
			for _, name := range img.Names {
				images[name]++
			}
		}
	}
	for _, n := range nodes {
		setImageStates(s.nodeInfoMap[n.Name], n, func(name string) int { return images[name] })
	}
	s.rebuildLists(tree.list())
	return s
}

func (s *Snapshot) rebuildLists(order []string) {
	s.epoch++
	if s.index == nil {
		s.index = make(map[string]int, len(order))
	} else {
		clear(s.index)
	}
	s.nodeInfoList = s.nodeInfoList[:0]
	s.names = s.names[:0]
	s.gens = s.gens[:0]
	s.withAffinity.reset()
	s.withRequiredAnti.reset()
	for _, name := range order {
		ni, ok := s.nodeInfoMap[name]
		if !ok || ni.Node() == nil {
			continue
		}
		s.index[name] = len(s.nodeInfoList)
		s.nodeInfoList = append(s.nodeInfoList, ni)
		s.names = append(s.names, name)
		s.gens = append(s.gens, ni.Generation)
		if len(ni.PodsWithAffinity) > 0 {
			s.withAffinity.append(len(s.nodeInfoList)-1, ni)
		}
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			s.withRequiredAnti.append(len(s.nodeInfoList)-1, ni)
		}
	}
}

// updateLists records that the NodeInfo at position i of nodeInfoList
// changed: its membership of the affinity lists follows its pods. It costs
// a binary search per list, and a move of the list's tail when the
// membership changed.
func (s *Snapshot) updateLists(i int) {
	ni := s.nodeInfoList[i]
	s.gens[i] = ni.Generation
	s.withAffinity.set(i, ni, len(ni.PodsWithAffinity) > 0)
	s.withRequiredAnti.set(i, ni, len(ni.PodsWithRequiredAntiAffinity) > 0)
}

// Epoch returns a number that changes whenever the node list is rebuilt
// (nodes added, removed or moved to another zone) or image summaries
// change: between two calls that return the same epoch, every node keeps
// its position in List, and a NodeInfo with an unchanged Generation is
// unchanged. Nodes joining or leaving the affinity lists do not change it.
func (s *Snapshot) Epoch() uint64 { return s.epoch }

// IndexOf returns the position of nodeName in List, and false when the
// node is not in the Snapshot.
func (s *Snapshot) IndexOf(nodeName string) (int, bool) {
	i, ok := s.index[nodeName]
	return i, ok
}

// Names returns the node names in List order. The caller must not modify
// the result, which changes with the Snapshot.
func (s *Snapshot) Names() []string { return s.names }

// Generations returns the Generation of each node's NodeInfo in List
// order, kept in a flat array so that checking many nodes for change is
// cheap. The caller must not modify the result, which changes with the
// Snapshot.
func (s *Snapshot) Generations() []int64 { return s.gens }

// NodeInfos returns the Snapshot itself as a NodeInfoLister.
func (s *Snapshot) NodeInfos() framework.NodeInfoLister { return s }

// NumNodes returns the number of nodes.
func (s *Snapshot) NumNodes() int { return len(s.nodeInfoList) }

// List returns every node, in zone-interleaved order. The caller must not
// modify the result.
func (s *Snapshot) List() ([]*framework.NodeInfo, error) { return s.nodeInfoList, nil }

// HavePodsWithAffinityList returns the nodes with pods that have pod
// affinity or anti-affinity terms.
func (s *Snapshot) HavePodsWithAffinityList() ([]*framework.NodeInfo, error) {
	return s.withAffinity.infos, nil
}

// HavePodsWithRequiredAntiAffinityList returns the nodes with pods that
// have required anti-affinity terms.
func (s *Snapshot) HavePodsWithRequiredAntiAffinityList() ([]*framework.NodeInfo, error) {
	return s.withRequiredAnti.infos, nil
}

// Get returns the NodeInfo of nodeName, or an error wrapping
// framework.ErrNotFound.
func (s *Snapshot) Get(nodeName string) (*framework.NodeInfo, error) {
	if ni, ok := s.nodeInfoMap[nodeName]; ok && ni.Node() != nil {
		return ni, nil
	}
	return nil, fmt.Errorf("node %q: %w", nodeName, framework.ErrNotFound)
}

// Clone returns a deep copy whose NodeInfos can be changed (pods assumed
// onto them, as WhatIf does) without changing s.
func (s *Snapshot) Clone() *Snapshot {
	c := &Snapshot{nodeInfoMap: make(map[string]*framework.NodeInfo, len(s.nodeInfoMap)), generation: s.generation}
	order := make([]string, 0, len(s.nodeInfoList))
	for _, ni := range s.nodeInfoList {
		c.nodeInfoMap[ni.NodeName()] = ni.Snapshot()
		order = append(order, ni.NodeName())
	}
	c.rebuildLists(order)
	return c
}

// AssumePod adds pod to the node named by pod.Spec.NodeName in this
// Snapshot, as if it were bound. It is for simulations on a Snapshot the
// caller owns (one from NewSnapshot or Clone), never for a Snapshot a
// Cache maintains. It returns an error when the node is not in the
// Snapshot.
func (s *Snapshot) AssumePod(pi *framework.PodInfo) error {
	ni, ok := s.nodeInfoMap[pi.Pod.Spec.NodeName]
	if !ok || ni.Node() == nil {
		return fmt.Errorf("assume pod %s/%s on node %q: %w", pi.Pod.Namespace, pi.Pod.Name, pi.Pod.Spec.NodeName, framework.ErrNotFound)
	}
	ni.AddPodInfo(pi)
	if i, ok := s.index[ni.NodeName()]; ok {
		s.updateLists(i)
	}
	return nil
}

// setImageStates fills ni's image summaries from node's images, with
// numNodes giving the number of nodes that have an image.
func setImageStates(ni *framework.NodeInfo, node *corev1.Node, numNodes func(string) int) {
	ni.ImageStates = make(map[string]*framework.ImageStateSummary, len(node.Status.Images))
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			ni.ImageStates[name] = &framework.ImageStateSummary{Size: img.SizeBytes, NumNodes: numNodes(name)}
		}
	}
}
