package kubelet_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
)

func TestNodeRegisteredAndLeaseRenewed(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: func(c *kubelet.Config) {
		c.Reserved = corev1.ResourceList{corev1.ResourceCPU: mustQ("500m"), corev1.ResourceMemory: mustQ("1Gi")}
		c.Labels = map[string]string{"zone": "a"}
		c.Taints = []corev1.Taint{{Key: "dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}}
	}})
	ctx := context.Background()
	nodes, _ := client.For[corev1.Node](h.env.Client)
	var node *corev1.Node
	h.eventually("node registered", func() (bool, string) {
		n, err := nodes.Get(ctx, testNode, client.GetOptions{})
		node = n
		return err == nil, errString(err)
	}, nil)
	cap, alloc := node.Status.Capacity, node.Status.Allocatable
	for _, c := range []struct {
		list corev1.ResourceList
		name corev1.ResourceName
		want string
	}{
		{cap, corev1.ResourceCPU, "4"}, {cap, corev1.ResourceMemory, "8Gi"}, {cap, corev1.ResourcePods, "110"},
		{alloc, corev1.ResourceCPU, "3500m"}, {alloc, corev1.ResourceMemory, "7Gi"}, {alloc, corev1.ResourcePods, "110"},
	} {
		q, ok := c.list[c.name]
		if !ok || q.Cmp(mustQ(c.want)) != 0 {
			t.Errorf("%s = %v, want %s", c.name, q.String(), c.want)
		}
	}
	if node.Labels["zone"] != "a" || node.Labels["kubernetes.io/hostname"] != testNode {
		t.Errorf("labels %v", node.Labels)
	}
	if d := cmp.Diff(corev1.Taint{Key: "dedicated", Value: "x", Effect: corev1.TaintEffectNoSchedule}, node.Spec.Taints[0]); d != "" {
		t.Errorf("taint: %s", d)
	}
	if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; int(got) != h.k.Port() || got == 0 {
		t.Errorf("kubelet port %d, want %d", got, h.k.Port())
	}
	if node.Status.NodeInfo.KubeletVersion != kubelet.DefaultKubeletVersion || node.Status.NodeInfo.ContainerRuntimeVersion != "fake://0.1.0" {
		t.Errorf("nodeInfo %+v", node.Status.NodeInfo)
	}
	if len(node.Status.Addresses) == 0 || node.Status.Addresses[0] != (corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}) {
		t.Errorf("addresses %v", node.Status.Addresses)
	}
	conds := map[corev1.NodeConditionType]corev1.ConditionStatus{}
	for _, c := range node.Status.Conditions {
		conds[c.Type] = c.Status
	}
	if conds[corev1.NodeReady] != corev1.ConditionTrue || conds[corev1.NodeMemoryPressure] == "" ||
		conds[corev1.NodeDiskPressure] == "" || conds[corev1.NodePIDPressure] == "" {
		t.Errorf("conditions %v", conds)
	}

	leases, _ := client.For[coordinationv1.Lease](h.env.Client)
	leases = leases.Namespace(kubelet.NodeLeaseNamespace)
	var first time.Time
	h.eventually("lease created", func() (bool, string) {
		l, err := leases.Get(ctx, testNode, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if *l.Spec.HolderIdentity != testNode || *l.Spec.LeaseDurationSeconds != 40 {
			t.Fatalf("lease spec %+v", l.Spec)
		}
		first = l.Spec.RenewTime.Time
		return true, ""
	}, nil)
	// Renewed after 10 s of the fake clock.
	h.eventually("lease renewed", func() (bool, string) {
		l, err := leases.Get(ctx, testNode, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return l.Spec.RenewTime.Time.Sub(first) >= 10*time.Second, l.Spec.RenewTime.String()
	}, func() {
		if h.clock.Waiters() > 0 {
			h.clock.Step(time.Second)
		}
	})

	// Unchanged conditions are still reported every minute.
	heartbeat := func() time.Time {
		n, err := nodes.Get(ctx, testNode, client.GetOptions{})
		if err != nil {
			return time.Time{}
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.LastHeartbeatTime.Time
			}
		}
		return time.Time{}
	}
	firstBeat := heartbeat()
	h.eventually("heartbeat after a minute", func() (bool, string) {
		hb := heartbeat()
		return hb.Sub(firstBeat) >= time.Minute, hb.String()
	}, func() { h.clock.Step(time.Second) })

	// A runtime that stops being ready turns the node NotReady within a
	// status update period.
	h.rt.SetStatus(kubelet.RuntimeStatus{Ready: false, Reason: "Broken", Message: "test"})
	h.eventually("node NotReady", func() (bool, string) {
		n, err := nodes.Get(ctx, testNode, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionFalse && c.Reason == "KubeletNotReady", string(c.Status)
			}
		}
		return false, "no Ready condition"
	}, func() { h.clock.Step(time.Second) })
}
