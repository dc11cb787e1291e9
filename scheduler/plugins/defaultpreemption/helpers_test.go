package defaultpreemption_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultpreemption"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

const (
	lowPriority  int32 = 1
	midPriority  int32 = 100
	highPriority int32 = 1000
)

// t0 is the start time of the oldest test pods.
var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// snapshot is a minimal framework.SharedLister over fixed nodes and pods.
type snapshot = frameworktest.Lister

func newSnapshot(pods []*corev1.Pod, nodes []*corev1.Node) *snapshot {
	return frameworktest.NewLister(pods, nodes)
}

// fitPlugin is a small stand-in for NodeResourcesFit: CPU and pod count.
type fitPlugin struct{}

func (fitPlugin) Name() string { return "TestFit" }

func (fitPlugin) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	pi, _ := framework.NewPodInfo(pod)
	var reasons []string
	if ni.Allocatable.AllowedPodNumber > 0 && len(ni.Pods)+1 > ni.Allocatable.AllowedPodNumber {
		reasons = append(reasons, "Too many pods")
	}
	if ni.Requested.MilliCPU+pi.Requests().MilliCPU > ni.Allocatable.MilliCPU {
		reasons = append(reasons, "Insufficient cpu")
	}
	if len(reasons) > 0 {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	return nil
}

// waitingPod is a pod parked in Permit.
type waitingPod struct {
	pod      *corev1.Pod
	mu       sync.Mutex
	rejected string // guarded by mu
}

func (w *waitingPod) GetPod() *corev1.Pod         { return w.pod }
func (w *waitingPod) GetPendingPlugins() []string { return []string{"Gang"} }
func (w *waitingPod) Allow(string)                {}

func (w *waitingPod) Reject(plugin, msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rejected = plugin + ": " + msg
}

func (w *waitingPod) rejection() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rejected
}

// extendedHandle is the runtime Framework with the optional abilities the
// plugin looks for on its Handle, and waiting pods.
type extendedHandle struct {
	*runtime.Framework
	budgets []*defaultpreemption.DisruptionBudget
	waiting map[types.UID]*waitingPod

	mu      sync.Mutex
	cleared []string // guarded by mu
}

func (h *extendedHandle) ListDisruptionBudgets() ([]*defaultpreemption.DisruptionBudget, error) {
	return h.budgets, nil
}

func (h *extendedHandle) ClearNominatedNodeName(_ context.Context, pods ...*corev1.Pod) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range pods {
		h.cleared = append(h.cleared, p.Name)
	}
	return nil
}

func (h *extendedHandle) GetWaitingPod(uid types.UID) framework.WaitingPod {
	if wp, ok := h.waiting[uid]; ok {
		return wp
	}
	return nil
}

// env is a scheduling framework with the test fit filter, InterPodAffinity,
// PodTopologySpread and DefaultPreemption, over a snapshot.
type env struct {
	fw     *runtime.Framework
	pl     *defaultpreemption.DefaultPreemption
	handle *extendedHandle
	snap   *snapshot

	mu        sync.Mutex
	evicted   []string // guarded by mu
	activated []string // guarded by mu
	evictErr  error
}

type envConfig struct {
	nodes []*corev1.Node
	pods  []*corev1.Pod
	args  any
	// extended gives the plugin an extendedHandle with these budgets and
	// waiting pods.
	extended bool
	budgets  []*defaultpreemption.DisruptionBudget
	waiting  []*corev1.Pod
	evictErr error
}

func newEnv(t testing.TB, cfg envConfig) *env {
	t.Helper()
	e := &env{snap: newSnapshot(cfg.pods, cfg.nodes), evictErr: cfg.evictErr}
	registry := framework.Registry{
		"TestFit":              func(context.Context, any, framework.Handle) (framework.Plugin, error) { return fitPlugin{}, nil },
		interpodaffinity.Name:  interpodaffinity.New,
		podtopologyspread.Name: podtopologyspread.New,
		defaultpreemption.Name: func(ctx context.Context, args any, h framework.Handle) (framework.Plugin, error) {
			if cfg.extended {
				e.handle = &extendedHandle{Framework: h.(*runtime.Framework), budgets: cfg.budgets, waiting: make(map[types.UID]*waitingPod)}
				for _, p := range cfg.waiting {
					e.handle.waiting[p.UID] = &waitingPod{pod: p}
				}
				h = e.handle
			}
			return defaultpreemption.New(ctx, args, h)
		},
	}
	profile := runtime.Profile{Plugins: []runtime.PluginConfig{
		{Name: "TestFit"},
		{Name: interpodaffinity.Name},
		{Name: podtopologyspread.Name},
		{Name: defaultpreemption.Name, Args: cfg.args},
	}}
	fw, err := runtime.NewFramework(context.Background(), registry, profile,
		runtime.WithSnapshotSharedLister(e.snap),
		runtime.WithParallelism(2),
		runtime.WithPodEvictor(framework.PodEvictorFunc(e.evict)),
		runtime.WithPodActivator(activatorFunc(e.activate)),
	)
	if err != nil {
		t.Fatalf("NewFramework: %v", err)
	}
	e.fw = fw
	for _, p := range fw.Plugins() {
		if pl, ok := p.(*defaultpreemption.DefaultPreemption); ok {
			e.pl = pl
		}
	}
	return e
}

type activatorFunc func(map[string]*corev1.Pod)

func (f activatorFunc) Activate(pods map[string]*corev1.Pod) { f(pods) }

func (e *env) evict(_ context.Context, victim, _ *corev1.Pod) error {
	if e.evictErr != nil {
		return e.evictErr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evicted = append(e.evicted, victim.Name)
	return nil
}

func (e *env) activate(pods map[string]*corev1.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range pods {
		e.activated = append(e.activated, p.Name)
	}
}

func (e *env) evictedPods() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return sorted(e.evicted)
}

func (e *env) activatedPods() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return sorted(e.activated)
}

func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// filterStatuses runs PreFilter and Filter for pod as a scheduling cycle
// does and returns the state and the failed nodes' statuses.
func (e *env) filterStatuses(t testing.TB, pod *corev1.Pod) (*framework.CycleState, *framework.NodeToStatus) {
	t.Helper()
	ctx := context.Background()
	state := framework.NewCycleState()
	statuses := framework.NewDefaultNodeToStatus()
	if _, s := e.fw.RunPreFilterPlugins(ctx, state, pod); !s.IsSuccess() {
		if !s.IsRejected() {
			t.Fatalf("PreFilter: %v", s)
		}
		statuses.SetAbsentNodesStatus(s)
		return state, statuses
	}
	for _, ni := range e.snap.Nodes {
		if s := e.fw.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni); !s.IsSuccess() {
			statuses.Set(ni.NodeName(), s)
		}
	}
	return state, statuses
}

func node(name, cpu string, labels map[string]string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if cpu != "" {
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
	return n
}

// pod returns a pod of namespace default with UID "uid-<name>", bound to
// nodeName, with the priority and a CPU request (none when cpu is "").
func pod(name, nodeName string, priority int32, cpu string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Priority:   &priority,
			Containers: []corev1.Container{{Name: "c"}},
		},
	}
	if cpu != "" {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
	return p
}

func withLabels(p *corev1.Pod, labels map[string]string) *corev1.Pod {
	p.Labels = labels
	return p
}

func startedAt(p *corev1.Pod, d time.Duration) *corev1.Pod {
	p.Status.StartTime = &metav1.Time{Time: t0.Add(d)}
	return p
}

var errBoom = errors.New("boom")
