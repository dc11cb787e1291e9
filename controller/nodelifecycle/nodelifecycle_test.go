package nodelifecycle_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/nodelifecycle"
)

// rsPods returns the replica set's pods by node: active ones, and the
// names of terminating ones.
func (c *cluster) rsPods(app string) (active map[string][]string, terminating []string) {
	active = map[string][]string{}
	for _, p := range c.listPods() {
		if p.Labels["app"] != app {
			continue
		}
		if p.DeletionTimestamp != nil {
			terminating = append(terminating, p.Name)
			continue
		}
		active[p.Spec.NodeName] = append(active[p.Spec.NodeName], p.Name)
	}
	return active, terminating
}

// TestUnreachableNodeIsTaintedAndItsPodsEvicted is the acceptance test: a
// node that stops renewing its Lease becomes Unknown and tainted
// unreachable; its pods, with the 300 s tolerations of admission, are
// evicted when those run out and not before, and replaced on the other
// nodes; a pod tolerating the taint for ever stays; the taints go when the
// node is back.
func TestUnreachableNodeIsTaintedAndItsPodsEvicted(t *testing.T) {
	c := start(t, map[string]string{"n1": "", "n2": "", "n3": ""})

	forever, err := c.pods.Create(c.ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "forever"},
		Spec: corev1.PodSpec{
			NodeName:   "n1",
			Containers: []corev1.Container{{Name: "app", Image: "nginx"}},
			Tolerations: []corev1.Toleration{{
				Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
			}},
		},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Admission gave the RS pods, and this one for not-ready, 300 s.
	var gotSecs []int64
	for _, tol := range forever.Spec.Tolerations {
		if tol.TolerationSeconds != nil {
			gotSecs = append(gotSecs, *tol.TolerationSeconds)
		}
	}
	if diff := cmp.Diff([]int64{300}, gotSecs); diff != "" {
		t.Errorf("forever pod's toleration seconds after admission (-want +got):\n%s", diff)
	}
	if _, err := c.rss.Create(c.ctx, newRS("web", 6), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var onN1 []string
	c.waitFor("6 ready replicas, 2 per node", func() (bool, string) {
		rs, err := c.rss.Get(c.ctx, "web", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		active, _ := c.rsPods("web")
		onN1 = active["n1"]
		return rs.Status.ReadyReplicas == 6 && len(active["n1"]) == 2 && len(active["n2"]) == 2 && len(active["n3"]) == 2,
			fmt.Sprintf("ready %d, pods %v", rs.Status.ReadyReplicas, active)
	})
	sort.Strings(onN1)
	for _, p := range onN1 {
		pod, err := c.pods.Get(c.ctx, p, client.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pod.Spec.Tolerations) != 2 {
			t.Errorf("pod %s tolerations %+v, want admission's two", p, pod.Spec.Tolerations)
		}
	}

	// n1's kubelet stops. Within the grace period nothing happens.
	c.kill("n1")
	stopped := c.clock.Now()
	c.advance(30 * time.Second)
	if n := c.node("n1"); readyCondition(n).Status != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatalf("n1 at +30 s: ready %s, taints %v; want True, none", readyCondition(n).Status, n.Spec.Taints)
	}

	// After it, n1 is Unknown and tainted.
	c.advance(20 * time.Second)
	var n1 *corev1.Node
	c.waitFor("n1 unreachable and tainted", func() (bool, string) {
		n1 = c.node("n1")
		return findTaint(n1, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) != nil &&
			findTaint(n1, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) != nil, fmt.Sprintf("%+v", n1.Spec.Taints)
	})
	rc := readyCondition(n1)
	if rc.Status != corev1.ConditionUnknown || rc.Reason != "NodeStatusUnknown" || rc.Message != "Kubelet stopped posting node status." {
		t.Errorf("n1 Ready condition %+v", rc)
	}
	for _, ct := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		for _, cd := range n1.Status.Conditions {
			if cd.Type == ct && cd.Status != corev1.ConditionUnknown {
				t.Errorf("n1 %s = %s, want Unknown", ct, cd.Status)
			}
		}
	}
	taint := findTaint(n1, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	if taint.TimeAdded == nil {
		t.Fatal("unreachable taint without timeAdded")
	}
	added := taint.TimeAdded.Time
	if added.Before(stopped.Add(40*time.Second)) || added.After(c.clock.Now()) {
		t.Errorf("taint added at %v: want after the grace period (%v) and by now (%v)", added, stopped.Add(40*time.Second), c.clock.Now())
	}
	for _, n := range []string{"n2", "n3"} {
		if nd := c.node(n); len(nd.Spec.Taints) != 0 || readyCondition(nd).Status != corev1.ConditionTrue {
			t.Errorf("live node %s: taints %v, ready %s", n, nd.Spec.Taints, readyCondition(nd).Status)
		}
	}
	// Pods on the unreachable node are marked not ready.
	c.waitFor("n1's pods not ready", func() (bool, string) {
		for _, p := range append([]string{"forever"}, onN1...) {
			pod, err := c.pods.Get(c.ctx, p, client.GetOptions{})
			if err != nil || podReady(pod) {
				return false, p + " still ready"
			}
		}
		return true, ""
	})

	// 10 s before the tolerations run out, nothing is evicted.
	c.advanceTo(added.Add(290 * time.Second))
	if active, term := c.rsPods("web"); len(term) != 0 || len(active["n1"]) != 2 {
		t.Fatalf("at +290 s: active %v, terminating %v; want nothing evicted", active, term)
	}

	// Once they ran out, n1's replicas are evicted and replaced elsewhere.
	c.advanceTo(added.Add(310 * time.Second))
	c.waitFor("n1's replicas evicted and replaced on n2 and n3", func() (bool, string) {
		rs, err := c.rss.Get(c.ctx, "web", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		active, term := c.rsPods("web")
		sort.Strings(term)
		return rs.Status.ReadyReplicas == 6 && len(active["n1"]) == 0 && len(active["n2"])+len(active["n3"]) == 6 && cmp.Equal(onN1, term),
			fmt.Sprintf("ready %d, active %v, terminating %v", rs.Status.ReadyReplicas, active, term)
	})
	for _, p := range onN1 {
		ev := c.waitEvictionEvent(p)
		if at := ev.FirstTimestamp.Time; at.Before(added.Add(300 * time.Second)) {
			t.Errorf("pod %s evicted at %v, %v after the taint: before its 300 s toleration ran out", p, at, at.Sub(added))
		}
	}
	if _, ok := c.evictionEvents()["forever"]; ok {
		t.Error("the pod tolerating the taint for ever was evicted")
	}
	if got := c.evictionsMetric(); got != 2 {
		t.Errorf("evictions metric %v, want 2", got)
	}
	fp, err := c.pods.Get(c.ctx, "forever", client.GetOptions{})
	if err != nil || fp.DeletionTimestamp != nil {
		t.Fatalf("pod tolerating for ever: %v, deletionTimestamp %v", err, fp.DeletionTimestamp)
	}

	// n1 comes back: the taints go.
	c.revive("n1")
	c.waitFor("n1 untainted", func() (bool, string) {
		n := c.node("n1")
		return len(n.Spec.Taints) == 0 && readyCondition(n).Status == corev1.ConditionTrue, fmt.Sprintf("%+v", n.Spec.Taints)
	})
	c.advance(time.Minute)
	if n := c.node("n1"); len(n.Spec.Taints) != 0 {
		t.Errorf("n1 tainted again while renewing: %v", n.Spec.Taints)
	}
	if fp, err := c.pods.Get(c.ctx, "forever", client.GetOptions{}); err != nil || fp.DeletionTimestamp != nil {
		t.Errorf("pod tolerating for ever after recovery: %v", err)
	}
}

// TestFullDisruptionStopsEvictions: when every node stops reporting, the
// controller suspects itself, taints nothing NoExecute and evicts nothing;
// once one node is back, the others are tainted again.
func TestFullDisruptionStopsEvictions(t *testing.T) {
	c := start(t, map[string]string{"a": "z1", "b": "z1"})
	if _, err := c.rss.Create(c.ctx, newRS("db", 2), client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.waitFor("2 ready replicas", func() (bool, string) {
		rs, err := c.rss.Get(c.ctx, "db", client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return rs.Status.ReadyReplicas == 2, fmt.Sprint(rs.Status)
	})
	c.kill("a")
	c.kill("b")
	c.advance(50 * time.Second)
	c.waitFor("both nodes Unknown with the NoSchedule taint", func() (bool, string) {
		for _, n := range []string{"a", "b"} {
			nd := c.node(n)
			if readyCondition(nd).Status != corev1.ConditionUnknown || findTaint(nd, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) == nil {
				return false, fmt.Sprintf("%s: %s %v", n, readyCondition(nd).Status, nd.Spec.Taints)
			}
		}
		return true, ""
	})
	c.advance(10 * time.Minute)
	for _, n := range []string{"a", "b"} {
		if nd := c.node(n); findTaint(nd, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) != nil {
			t.Errorf("node %s tainted NoExecute in full disruption: %v", n, nd.Spec.Taints)
		}
	}
	if active, term := c.rsPods("db"); len(term) != 0 || len(active["a"])+len(active["b"]) != 2 {
		t.Errorf("pods in full disruption: active %v, terminating %v; want none evicted", active, term)
	}
	if got := c.evictionsMetric(); got != 0 {
		t.Errorf("evictions metric %v, want 0", got)
	}

	// a is back: the controller leaves full disruption and, after b's new
	// grace period, taints b.
	c.revive("a")
	c.advance(time.Minute)
	c.waitFor("b tainted unreachable:NoExecute", func() (bool, string) {
		nd := c.node("b")
		return findTaint(nd, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) != nil, fmt.Sprint(nd.Spec.Taints)
	})
	if nd := c.node("a"); len(nd.Spec.Taints) != 0 {
		t.Errorf("a tainted: %v", nd.Spec.Taints)
	}
}

// TestNoExecuteTaintEvictsByToleration: a NoExecute taint of the user's
// evicts pods that do not tolerate it at once and pods that tolerate it
// for a while when that runs out.
func TestNoExecuteTaintEvictsByToleration(t *testing.T) {
	c := start(t, map[string]string{"n1": ""})
	mk := func(name string, tols ...corev1.Toleration) {
		_, err := c.pods.Create(c.ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}, Tolerations: tols},
		}, client.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	sixty := int64(60)
	mk("intolerant")
	mk("sixty", corev1.Toleration{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &sixty})
	mk("patient", corev1.Toleration{Key: "maintenance", Operator: corev1.TolerationOpExists})
	c.waitFor("pods running", func() (bool, string) {
		for _, p := range c.listPods() {
			if !podReady(&p) {
				return false, p.Name
			}
		}
		return true, ""
	})
	added := metav1.NewTime(c.clock.Now())
	c.retry(func() error {
		n := c.node("n1")
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoExecute, TimeAdded: &added})
		_, err := c.nodes.Update(c.ctx, n, client.UpdateOptions{})
		return err
	})
	gone := func(names ...string) func() (bool, string) {
		return func() (bool, string) {
			var left []string
			for _, p := range c.listPods() {
				if p.DeletionTimestamp == nil {
					left = append(left, p.Name)
				}
			}
			sort.Strings(left)
			for _, n := range names {
				for _, l := range left {
					if l == n {
						return false, fmt.Sprint(left)
					}
				}
			}
			return true, fmt.Sprint(left)
		}
	}
	c.waitFor("intolerant pod evicted at once", gone("intolerant"))
	c.advance(50 * time.Second)
	if ok, left := gone("sixty")(); ok {
		t.Fatalf("pod tolerating 60 s evicted after 50 s; left %s", left)
	}
	c.advance(15 * time.Second)
	c.waitFor("sixty evicted", gone("sixty"))
	ev := c.waitEvictionEvent("sixty")
	if at := ev.FirstTimestamp.Time; at.Before(added.Add(60 * time.Second)) {
		t.Errorf("sixty evicted at +%v, before its 60 s", at.Sub(added.Time))
	}
	c.advance(10 * time.Minute)
	if ok, left := gone("patient")(); ok {
		t.Errorf("pod tolerating for ever evicted; left %s", left)
	}
	// The node itself stayed healthy: no condition taints.
	n := c.node("n1")
	want := []corev1.Taint{{Key: "maintenance", Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
	if diff := cmp.Diff(want, n.Spec.Taints); diff != "" {
		t.Errorf("taints (-want +got):\n%s", diff)
	}
}

// TestStartupGracePeriod: a node that never posts status is left alone for
// 60 s from its creation, then its conditions become Unknown
// (NodeStatusNeverUpdated) and it is tainted.
func TestStartupGracePeriod(t *testing.T) {
	c := start(t, nil)
	n, err := c.nodes.Create(c.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "silent"}}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.advanceTo(n.CreationTimestamp.Time)
	c.advance(55 * time.Second)
	if got := c.node("silent"); len(got.Status.Conditions) != 0 || len(got.Spec.Taints) != 0 {
		t.Fatalf("within the startup grace period: conditions %+v, taints %+v", got.Status.Conditions, got.Spec.Taints)
	}
	c.advance(10 * time.Second)
	c.waitFor("silent node Unknown and tainted", func() (bool, string) {
		got := c.node("silent")
		rc := readyCondition(got)
		return rc != nil && rc.Reason == nodelifecycle.ReasonNodeStatusNeverUpdated &&
			findTaint(got, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) != nil, fmt.Sprintf("%+v %+v", got.Status.Conditions, got.Spec.Taints)
	})
}

// TestPartialDisruptionInSmallZoneTaintsNothing: with 3 of 4 nodes of a
// zone unreachable (0.75 >= 0.55) the zone is partially disrupted, and a
// zone of at most 50 nodes then taints none NoExecute.
func TestPartialDisruptionInSmallZoneTaintsNothing(t *testing.T) {
	c := start(t, map[string]string{"a": "z", "b": "z", "c": "z", "d": "z"})
	for _, n := range []string{"a", "b", "c"} {
		c.kill(n)
	}
	c.advance(50 * time.Second)
	c.waitFor("a, b, c Unknown with the NoSchedule taint", func() (bool, string) {
		for _, n := range []string{"a", "b", "c"} {
			nd := c.node(n)
			if findTaint(nd, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) == nil {
				return false, fmt.Sprintf("%s: %v", n, nd.Spec.Taints)
			}
		}
		return true, ""
	})
	c.advance(5 * time.Minute)
	for _, n := range []string{"a", "b", "c", "d"} {
		if nd := c.node(n); findTaint(nd, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) != nil {
			t.Errorf("node %s tainted NoExecute in a partially disrupted small zone: %v", n, nd.Spec.Taints)
		}
	}
	if nd := c.node("d"); len(nd.Spec.Taints) != 0 {
		t.Errorf("healthy node d tainted: %v", nd.Spec.Taints)
	}
}

// TestTaintingIsRateLimitedPerZone: a fully disrupted zone, while another
// zone is healthy, has its nodes tainted NoExecute at 0.1 nodes/s: the
// second 10 s after the first.
func TestTaintingIsRateLimitedPerZone(t *testing.T) {
	c := start(t, map[string]string{"a1": "za", "a2": "za", "b1": "zb"})
	c.kill("a1")
	c.kill("a2")
	c.advance(50 * time.Second)
	first := ""
	var firstAt time.Time
	c.waitFor("one node of za tainted NoExecute", func() (bool, string) {
		for _, n := range []string{"a1", "a2"} {
			if tt := findTaint(c.node(n), corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute); tt != nil {
				first, firstAt = n, tt.TimeAdded.Time
				return true, ""
			}
		}
		return false, ""
	})
	second := map[string]string{"a1": "a2", "a2": "a1"}[first]
	if tt := findTaint(c.node(second), corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute); tt != nil && tt.TimeAdded.Sub(firstAt) < 10*time.Second {
		t.Fatalf("%s tainted %v after %s: faster than 0.1 nodes/s", second, tt.TimeAdded.Sub(firstAt), first)
	}
	c.advance(15 * time.Second)
	var gap time.Duration
	c.waitFor(second+" tainted NoExecute", func() (bool, string) {
		tt := findTaint(c.node(second), corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
		if tt == nil {
			return false, ""
		}
		gap = tt.TimeAdded.Sub(firstAt)
		return true, ""
	})
	if gap < 10*time.Second {
		t.Errorf("second node tainted %v after the first, want at least 10 s", gap)
	}
	if nd := c.node("b1"); len(nd.Spec.Taints) != 0 {
		t.Errorf("healthy b1 tainted: %v", nd.Spec.Taints)
	}
}
