package frameworktest

import (
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// Lister is a minimal framework.SharedLister (and NodeInfoLister) over
// nodes and pods, for testing a plugin without a cache: each node gets a
// NodeInfo with the pods whose spec.nodeName names it.
//
// Tests may change Nodes, ByName and the NodeInfos in them between calls
// (to add a pod, relabel a node, or replace a NodeInfo by a copy); a
// Lister must not be changed while a plugin reads it. List returns Nodes
// itself; the HavePods lists are built on each call.
type Lister struct {
	// Nodes are the NodeInfos in List order.
	Nodes []*framework.NodeInfo
	// ByName indexes Nodes by node name, for Get.
	ByName map[string]*framework.NodeInfo
}

var (
	_ framework.SharedLister   = (*Lister)(nil)
	_ framework.NodeInfoLister = (*Lister)(nil)
)

// NewLister returns a Lister of nodes, in order, with each pod of pods
// added to the node its spec.nodeName names; other pods are left out.
func NewLister(pods []*corev1.Pod, nodes []*corev1.Node) *Lister {
	s := &Lister{ByName: make(map[string]*framework.NodeInfo)}
	for _, n := range nodes {
		ni := framework.NewNodeInfo()
		ni.SetNode(n)
		s.Nodes = append(s.Nodes, ni)
		s.ByName[n.Name] = ni
	}
	for _, p := range pods {
		if ni, ok := s.ByName[p.Spec.NodeName]; ok {
			ni.AddPod(p)
		}
	}
	return s
}

// NodeInfos returns s.
func (s *Lister) NodeInfos() framework.NodeInfoLister { return s }

// List returns s.Nodes.
func (s *Lister) List() ([]*framework.NodeInfo, error) { return s.Nodes, nil }

// HavePodsWithAffinityList returns the NodeInfos of s.Nodes with pods with
// pod affinity or anti-affinity terms.
func (s *Lister) HavePodsWithAffinityList() ([]*framework.NodeInfo, error) {
	var out []*framework.NodeInfo
	for _, ni := range s.Nodes {
		if len(ni.PodsWithAffinity) > 0 {
			out = append(out, ni)
		}
	}
	return out, nil
}

// HavePodsWithRequiredAntiAffinityList returns the NodeInfos of s.Nodes
// with pods with required anti-affinity terms.
func (s *Lister) HavePodsWithRequiredAntiAffinityList() ([]*framework.NodeInfo, error) {
	var out []*framework.NodeInfo
	for _, ni := range s.Nodes {
		if len(ni.PodsWithRequiredAntiAffinity) > 0 {
			out = append(out, ni)
		}
	}
	return out, nil
}

// Get returns the NodeInfo of the node named name, or an error wrapping
// framework.ErrNotFound.
func (s *Lister) Get(name string) (*framework.NodeInfo, error) {
	if ni, ok := s.ByName[name]; ok {
		return ni, nil
	}
	return nil, fmt.Errorf("node %q: %w", name, framework.ErrNotFound)
}
