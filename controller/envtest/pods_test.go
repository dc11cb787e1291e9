package envtest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller/envtest"
)

func podsClient(t *testing.T, env *envtest.Env) *client.Resource[corev1.Pod] {
	t.Helper()
	pods, err := client.For[corev1.Pod](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	return pods.Namespace("default")
}

func createPod(t *testing.T, pods *client.Resource[corev1.Pod], name, node string) *corev1.Pod {
	t.Helper()
	p, err := pods.Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{
			{Name: "app", Image: "nginx:1"}, {Name: "sidecar", Image: "proxy:2"},
		}},
	}, client.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitPod polls the server until cond holds for pod name (or, when
// cond is given nil, until the pod is gone), failing after 15 s.
func waitPod(t *testing.T, pods *client.Resource[corev1.Pod], name, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		p, err := pods.Get(t.Context(), name, client.GetOptions{})
		switch {
		case err == nil && cond != nil && cond(p):
			return p
		case client.IsNotFound(err) && cond == nil:
			return nil
		case err != nil && !client.IsNotFound(err):
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s: timed out waiting for %s; last state %+v (err %v)", name, what, p, err)
		}
		<-tick.C
	}
}

// conditions returns pod's condition statuses by type.
func conditions(p *corev1.Pod) map[corev1.PodConditionType]corev1.ConditionStatus {
	out := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range p.Status.Conditions {
		out[c.Type] = c.Status
	}
	return out
}

func isReady(p *corev1.Pod) bool { return conditions(p)[corev1.PodReady] == corev1.ConditionTrue }

func conds(ready corev1.ConditionStatus) map[corev1.PodConditionType]corev1.ConditionStatus {
	return map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodScheduled: corev1.ConditionTrue, corev1.PodInitialized: corev1.ConditionTrue,
		corev1.ContainersReady: ready, corev1.PodReady: ready,
	}
}

func TestFakeKubeletBindsRunsAndReadiesPods(t *testing.T) {
	env := envtest.Start(t)
	pods := podsClient(t, env)
	env.StartFakeKubelet(t, envtest.FakeKubeletOptions{})

	createPod(t, pods, "web", "")
	p := waitPod(t, pods, "web", "ready", isReady)
	if p.Spec.NodeName != envtest.DefaultFakeNode {
		t.Errorf("nodeName %q, want %q", p.Spec.NodeName, envtest.DefaultFakeNode)
	}
	if p.Status.Phase != corev1.PodRunning || p.Status.StartTime == nil {
		t.Errorf("phase %q startTime %v, want Running with a start time", p.Status.Phase, p.Status.StartTime)
	}
	if diff := cmp.Diff(conds(corev1.ConditionTrue), conditions(p)); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	type cs struct {
		Name, Image    string
		Ready, Running bool
	}
	var got []cs
	for _, c := range p.Status.ContainerStatuses {
		got = append(got, cs{c.Name, c.Image, c.Ready, c.State.Running != nil && c.Started != nil && *c.Started})
	}
	want := []cs{{"app", "nginx:1", true, true}, {"sidecar", "proxy:2", true, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containerStatuses (-want +got):\n%s", diff)
	}

	// A bound pod is graceful to delete; the kubelet removes it at once.
	if err := pods.Delete(t.Context(), "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPod(t, pods, "web", "removal", nil)
}

func TestFakeKubeletReadyFilterAndResync(t *testing.T) {
	env := envtest.Start(t)
	pods := podsClient(t, env)
	var allow atomic.Bool
	k := env.StartFakeKubelet(t, envtest.FakeKubeletOptions{
		Ready: func(p *corev1.Pod) bool { return p.Name != "held" || allow.Load() },
	})
	createPod(t, pods, "held", "")
	createPod(t, pods, "free", "")
	waitPod(t, pods, "free", "ready", isReady)
	p := waitPod(t, pods, "held", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if diff := cmp.Diff(conds(corev1.ConditionFalse), conditions(p)); diff != "" {
		t.Errorf("held pod conditions (-want +got):\n%s", diff)
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.Ready {
			t.Errorf("held pod container %s ready", c.Name)
		}
	}
	allow.Store(true)
	k.Resync()
	waitPod(t, pods, "held", "ready after Resync", isReady)

	// Readiness can be taken away again.
	allow.Store(false)
	k.Resync()
	waitPod(t, pods, "held", "not ready after Resync", func(p *corev1.Pod) bool { return !isReady(p) })
}

func TestFakeKubeletReadyDelayOnOwnClock(t *testing.T) {
	env := envtest.Start(t)
	pods := podsClient(t, env)
	var now atomic.Pointer[time.Time]
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now.Store(&t0)
	k := env.StartFakeKubelet(t, envtest.FakeKubeletOptions{
		ReadyDelay: time.Minute,
		Now:        func() time.Time { return *now.Load() },
	})
	createPod(t, pods, "slow", "")
	p := waitPod(t, pods, "slow", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if isReady(p) {
		t.Fatal("pod ready before its ReadyDelay")
	}
	if !p.Status.StartTime.Time.Equal(t0) {
		t.Errorf("startTime %v, want the fake clock's %v", p.Status.StartTime, t0)
	}
	t1 := t0.Add(time.Minute)
	now.Store(&t1)
	k.Resync()
	p = waitPod(t, pods, "slow", "ready", isReady)
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && !c.LastTransitionTime.Time.Equal(t1) {
			t.Errorf("Ready lastTransitionTime %v, want %v", c.LastTransitionTime, t1)
		}
	}
}

func TestFakeKubeletNodesAndRemove(t *testing.T) {
	env := envtest.Start(t)
	pods := podsClient(t, env)
	var release atomic.Bool
	k := env.StartFakeKubelet(t, envtest.FakeKubeletOptions{
		Nodes:  []string{"n1", "n2"},
		Remove: func(*corev1.Pod) bool { return release.Load() },
	})
	createPod(t, pods, "on-n3", "n3")
	createPod(t, pods, "unbound", "")
	createPod(t, pods, "on-n1", "n1")
	createPod(t, pods, "on-n2", "n2")
	waitPod(t, pods, "on-n1", "ready", isReady)
	waitPod(t, pods, "on-n2", "ready", isReady)

	// A deleted pod is held terminating while Remove says no.
	if err := pods.Delete(t.Context(), "on-n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p := waitPod(t, pods, "on-n1", "terminating", func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil })
	if !isReady(p) {
		t.Errorf("held terminating pod changed status: %+v", p.Status)
	}
	// The pods on other nodes and the unbound one, created before the
	// pods the kubelet has handled since, were left alone.
	for _, name := range []string{"on-n3", "unbound"} {
		p, err := pods.Get(t.Context(), name, client.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status.Phase != corev1.PodPending || p.Spec.NodeName != map[string]string{"on-n3": "n3", "unbound": ""}[name] {
			t.Errorf("pod %s not for this kubelet was changed: node %q phase %q", name, p.Spec.NodeName, p.Status.Phase)
		}
	}
	release.Store(true)
	k.Resync()
	waitPod(t, pods, "on-n1", "removal", nil)
}

func TestNewFakeKubeletValidates(t *testing.T) {
	env := envtest.Start(t)
	for name, tc := range map[string]struct {
		c    *client.Client
		opts envtest.FakeKubeletOptions
	}{
		"nil client":     {nil, envtest.FakeKubeletOptions{}},
		"negative delay": {env.Client, envtest.FakeKubeletOptions{ReadyDelay: -time.Second}},
		"negative work":  {env.Client, envtest.FakeKubeletOptions{Workers: -1}},
		"empty node":     {env.Client, envtest.FakeKubeletOptions{Nodes: []string{"a", ""}}},
	} {
		if _, err := envtest.NewFakeKubelet(tc.c, tc.opts); err == nil {
			t.Errorf("%s: NewFakeKubelet succeeded, want an error", name)
		}
	}
	k, err := envtest.NewFakeKubelet(env.Client, envtest.FakeKubeletOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := k.Run(ctx); err != context.Canceled {
		t.Errorf("Run with a cancelled context: %v, want context.Canceled", err)
	}
	if err := k.Run(t.Context()); err == nil {
		t.Error("second Run succeeded, want an error")
	}
}

// ExampleNewFakeKubelet runs a fake kubelet next to an in-process API
// server: a pod created without a node is bound, started and made ready.
func ExampleNewFakeKubelet() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := envtest.New(ctx, envtest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer env.Close()

	k, err := envtest.NewFakeKubelet(env.Client, envtest.FakeKubeletOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	stopped := make(chan error, 1)
	go func() { stopped <- k.Run(ctx) }()
	defer func() { cancel(); <-stopped }()

	pods, _ := client.For[corev1.Pod](env.Client)
	_, err = pods.Namespace("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}, client.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p, err := pods.Namespace("default").Get(ctx, "web", client.GetOptions{})
		if err == nil && isReady(p) {
			fmt.Println(p.Spec.NodeName, p.Status.Phase, "ready")
			return
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	fmt.Println("timed out")
	// Output: fake-node Running ready
}
