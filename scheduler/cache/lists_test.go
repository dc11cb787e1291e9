package cache_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

// snapshotView is what a Snapshot shows plugins: the node order, the
// affinity lists, and each node's pods.
type snapshotView struct {
	Order, WithAffinity, WithRequiredAnti []string
	Pods                                  map[string][]string
}

func view(t *testing.T, s *cache.Snapshot) snapshotView {
	t.Helper()
	v := snapshotView{Order: names(s), Pods: map[string][]string{}}
	list := func(l []*framework.NodeInfo, err error) []string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ni := range l {
			out = append(out, ni.NodeName())
		}
		return out
	}
	v.WithAffinity = list(s.HavePodsWithAffinityList())
	v.WithRequiredAnti = list(s.HavePodsWithRequiredAntiAffinityList())
	all, _ := s.List()
	for i, ni := range all {
		for _, pi := range ni.Pods {
			v.Pods[ni.NodeName()] = append(v.Pods[ni.NodeName()], pi.Pod.Name)
		}
		if got := s.Generations()[i]; got != ni.Generation {
			t.Errorf("Generations()[%d] = %d, node %s has %d", i, got, ni.NodeName(), ni.Generation)
		}
	}
	return v
}

// affinityPod returns a pod on node with: 0 no affinity, 1 preferred
// affinity only, 2 required anti-affinity.
func affinityPod(name, node string, kind int) *corev1.Pod {
	p := ft.On(ft.Pod(name, ft.Resources("cpu", "10m")), node)
	term := corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}, TopologyKey: corev1.LabelHostname}
	switch kind {
	case 1:
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: term}}}}
	case 2:
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term}}}
	}
	return p
}

// The snapshot a Cache keeps up to date node by node shows the same node
// order, affinity lists and pods as a Snapshot built afresh from the same
// nodes and pods, through pods with and without affinity coming and going
// (nodes joining and leaving the lists), nodes added, removed and moved
// between zones, and assumed pods forgotten.
func TestIncrementalListsMatchFresh(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			c := cache.New()
			s := cache.NewEmptySnapshot()
			nodes := map[string]*corev1.Node{}
			pods := map[string]*corev1.Pod{}
			assumed := map[string]bool{}
			zones := []string{"a", "b", "c"}
			for i := 0; i < 20; i++ {
				n := zoned(fmt.Sprintf("n%02d", i), zones[i%3])
				nodes[n.Name] = n
				c.AddNode(n)
			}
			// pick returns a key of m chosen by rng, or "" when m is empty.
			pick := func(keys []string) string {
				if len(keys) == 0 {
					return ""
				}
				slices.Sort(keys)
				return keys[rng.IntN(len(keys))]
			}
			if err := c.UpdateSnapshot(s); err != nil {
				t.Fatal(err)
			}
			next := 0
			for step := 0; step < 400; step++ {
				for k := rng.IntN(3); k >= 0; k-- {
					switch op := rng.IntN(10); {
					case op < 5: // add a pod, bound or assumed
						p := affinityPod(fmt.Sprintf("p%04d", next), pick(slices.Collect(maps.Keys(nodes))), rng.IntN(3))
						next++
						if rng.IntN(2) == 0 {
							pi, _ := framework.NewPodInfo(p)
							if err := c.AssumePod(pi); err != nil {
								t.Fatal(err)
							}
							assumed[p.Name] = true
						} else if err := c.AddPod(p); err != nil {
							t.Fatal(err)
						}
						pods[p.Name] = p
					case op < 8: // remove or forget a pod
						name := pick(slices.Collect(maps.Keys(pods)))
						if name == "" {
							continue
						}
						var err error
						if assumed[name] {
							err = c.ForgetPod(pods[name])
						} else {
							err = c.RemovePod(pods[name])
						}
						if err != nil {
							t.Fatal(err)
						}
						delete(pods, name)
						delete(assumed, name)
					case op < 9: // move a node to another zone
						n := zoned(pick(slices.Collect(maps.Keys(nodes))), zones[rng.IntN(3)])
						nodes[n.Name] = n
						c.UpdateNode(nil, n)
					default: // remove an empty node, or add one
						busy := map[string]bool{}
						for _, p := range pods {
							busy[p.Spec.NodeName] = true
						}
						idle := slices.DeleteFunc(slices.Collect(maps.Keys(nodes)), func(n string) bool { return busy[n] })
						if name := pick(idle); name != "" && len(nodes) > 5 && rng.IntN(2) == 0 {
							if err := c.RemoveNode(nodes[name]); err != nil {
								t.Fatal(err)
							}
							delete(nodes, name)
						} else {
							n := zoned(fmt.Sprintf("m%04d", step), zones[rng.IntN(3)])
							nodes[n.Name] = n
							c.AddNode(n)
						}
					}
				}
				if err := c.UpdateSnapshot(s); err != nil {
					t.Fatal(err)
				}
				got := view(t, s)
				// A fresh snapshot lists the nodes in the cache's order,
				// which depends on the order nodes were added, so the
				// order is compared as a set and the lists in order of it.
				var nodeList []*corev1.Node
				for _, name := range got.Order {
					nodeList = append(nodeList, nodes[name])
				}
				if len(nodeList) != len(nodes) {
					t.Fatalf("step %d: snapshot has %d nodes, cache %d", step, len(nodeList), len(nodes))
				}
				var podList []*corev1.Pod
				for _, p := range pods {
					podList = append(podList, p)
				}
				want := view(t, cache.NewSnapshot(podList, nodeList))
				want.Order = got.Order
				want.WithAffinity = inOrder(got.Order, want.WithAffinity)
				want.WithRequiredAnti = inOrder(got.Order, want.WithRequiredAnti)
				for _, v := range []snapshotView{got, want} {
					for n := range v.Pods {
						slices.Sort(v.Pods[n])
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("step %d: incremental snapshot differs from a fresh one (-fresh +incremental):\n%s", step, diff)
				}
			}
		})
	}
}

// inOrder returns the members of set in the order of order.
func inOrder(order, set []string) []string {
	in := map[string]bool{}
	for _, n := range set {
		in[n] = true
	}
	var out []string
	for _, n := range order {
		if in[n] {
			out = append(out, n)
		}
	}
	return out
}
