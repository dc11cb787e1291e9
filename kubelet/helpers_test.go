package kubelet_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

const testNode = "node-1"

// harness is a kubelet on a fake runtime and a fake clock, against a real
// in-process API server.
type harness struct {
	t       *testing.T
	env     *envtest.Env
	rt      *fake.Runtime
	clock   *controller.FakeClock
	k       *kubelet.Kubelet
	pods    *client.Resource[corev1.Pod]
	reg     *prometheus.Registry
	rootDir string
}

type harnessOpts struct {
	fake    fake.Options
	cfg     func(*kubelet.Config)
	noStart bool
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	env := envtest.Start(t)
	clock := controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	o.fake.Clock = clock
	rt := fake.New(o.fake)
	reg := prometheus.NewRegistry()
	h := &harness{t: t, env: env, rt: rt, clock: clock, reg: reg, rootDir: t.TempDir()}
	cfg := kubelet.Config{
		NodeName:     testNode,
		Client:       env.Client,
		Runtime:      rt,
		RootDir:      h.rootDir,
		Clock:        clock,
		Metrics:      reg,
		RelistPeriod: 5 * time.Millisecond,
		Capacity: corev1.ResourceList{
			corev1.ResourceCPU:    mustQ("4"),
			corev1.ResourceMemory: mustQ("8Gi"),
		},
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	k, err := kubelet.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.k = k
	pods, err := client.For[corev1.Pod](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	h.pods = pods.Namespace("default")
	if !o.noStart {
		h.run()
	}
	return h
}

// run runs the kubelet until the test ends.
func (h *harness) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.k.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("Run: %v", err)
		}
	})
}

// eventually waits until cond holds, checking every few milliseconds for
// up to 20 s; step, when not nil, is called before each check (to move a
// fake clock).
func (h *harness) eventually(what string, cond func() (bool, string), step func()) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		if step != nil {
			step()
		}
		ok, why := cond()
		if ok {
			return
		}
		last = why
		t := time.NewTimer(5 * time.Millisecond)
		<-t.C
	}
	h.t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

// waitPod waits until cond holds for the pod and returns it.
func (h *harness) waitPod(name, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	h.t.Helper()
	var got *corev1.Pod
	h.eventually(what, func() (bool, string) {
		p, err := h.pods.Get(context.Background(), name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got = p
		return cond(p), statusString(p)
	}, nil)
	return got
}

// waitPodStepping is waitPod, moving the fake clock by step before each
// check.
func (h *harness) waitPodStepping(name, what string, step time.Duration, cond func(*corev1.Pod) bool) *corev1.Pod {
	h.t.Helper()
	var got *corev1.Pod
	h.eventually(what, func() (bool, string) {
		p, err := h.pods.Get(context.Background(), name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got = p
		return cond(p), statusString(p)
	}, func() { h.clock.Step(step) })
	return got
}

func statusString(p *corev1.Pod) string {
	var b strings.Builder
	b.WriteString("phase=" + string(p.Status.Phase))
	for _, c := range p.Status.Conditions {
		b.WriteString(" " + string(c.Type) + "=" + string(c.Status))
	}
	for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		b.WriteString(" [" + cs.Name + " " + stateString(cs.State) + " restarts=" + itoa(cs.RestartCount))
		if cs.Ready {
			b.WriteString(" ready")
		}
		b.WriteString("]")
	}
	return b.String()
}

func stateString(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return "terminated(" + itoa(s.Terminated.ExitCode) + "," + s.Terminated.Reason + ")"
	case s.Waiting != nil:
		return "waiting(" + s.Waiting.Reason + ")"
	}
	return "none"
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// createPod creates a pod bound to the test node.
func (h *harness) createPod(p *corev1.Pod) *corev1.Pod {
	h.t.Helper()
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	p.Spec.NodeName = testNode
	out, err := h.pods.Create(context.Background(), p, client.CreateOptions{})
	if err != nil {
		h.t.Fatalf("create pod %s: %v", p.Name, err)
	}
	return out
}

func simplePod(name string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }

func ctr(name, image string) corev1.Container { return corev1.Container{Name: name, Image: image} }

func cond(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func cstatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	for i := range p.Status.InitContainerStatuses {
		if p.Status.InitContainerStatuses[i].Name == name {
			return &p.Status.InitContainerStatuses[i]
		}
	}
	return nil
}
