package cache

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// Zone labels older nodes may carry instead of the topology.kubernetes.io
// ones.
const (
	labelFailureDomainZone   = "failure-domain.beta.kubernetes.io/zone"
	labelFailureDomainRegion = "failure-domain.beta.kubernetes.io/region"
)

// zoneKey returns the node's "region:\x00:zone" key, or "" when it has
// neither label, as Kubernetes computes it.
func zoneKey(node *corev1.Node) string {
	l := node.Labels
	if l == nil {
		return ""
	}
	zone, ok := l[corev1.LabelTopologyZone]
	if !ok {
		zone = l[labelFailureDomainZone]
	}
	region, ok := l[corev1.LabelTopologyRegion]
	if !ok {
		region = l[labelFailureDomainRegion]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// nodeTree keeps node names by zone, in insertion order, to list them
// interleaved by zone. Not safe for concurrent use.
type nodeTree struct {
	tree     map[string][]string // zone -> node names
	zones    []string            // zones in the order first seen
	numNodes int
}

func newNodeTree() *nodeTree { return &nodeTree{tree: make(map[string][]string)} }

func (t *nodeTree) add(node *corev1.Node) {
	z := zoneKey(node)
	names, ok := t.tree[z]
	if !ok {
		t.zones = append(t.zones, z)
	}
	for _, n := range names {
		if n == node.Name {
			return
		}
	}
	t.tree[z] = append(names, node.Name)
	t.numNodes++
}

func (t *nodeTree) remove(node *corev1.Node) bool {
	z := zoneKey(node)
	names := t.tree[z]
	for i, n := range names {
		if n == node.Name {
			t.tree[z] = append(names[:i:i], names[i+1:]...)
			if len(t.tree[z]) == 0 {
				delete(t.tree, z)
				for j, zz := range t.zones {
					if zz == z {
						t.zones = append(t.zones[:j:j], t.zones[j+1:]...)
						break
					}
				}
			}
			t.numNodes--
			return true
		}
	}
	return false
}

func (t *nodeTree) update(old, cur *corev1.Node) {
	if old != nil && zoneKey(old) == zoneKey(cur) {
		return
	}
	if old != nil {
		t.remove(old)
	}
	t.add(cur)
}

// list returns the node names interleaved by zone.
func (t *nodeTree) list() []string {
	out := make([]string, 0, t.numNodes)
	for i := 0; len(out) < t.numNodes; i++ {
		for _, z := range t.zones {
			if names := t.tree[z]; i < len(names) {
				out = append(out, names[i])
			}
		}
	}
	return out
}
