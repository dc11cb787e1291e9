package scheduler

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// The workloads of Kubernetes' scheduler_perf (test/integration/
// scheduler_perf, the "performance" cases), in process: nodes from
// templates/node-default.yaml (4 CPU, 32 GiB, 110 pods; allocatable =
// capacity, as API defaulting makes it), pods from the matching pod
// templates, the same counts, and the same zone labels. Every node also
// carries kubernetes.io/hostname, as a kubelet sets it. Init pods are
// scheduled first, unmeasured; then the measured pods are queued at once
// and the clock runs until the last one is bound.
//
// Run them all with:
//
//	go test ./scheduler -run '^$' -bench BenchmarkSchedulerPerf -benchtime 1x -timeout 30m

type perfWorkload struct {
	name        string
	nodes       int
	zones       []string // node zone labels, round robin; nil for none
	initPods    int
	initPod     func(i int) *corev1.Pod
	measurePods int
	measurePod  func(i int) *corev1.Pod
	// churn, when set, is called every churnEvery during the measurement.
	churn      func(i int) *corev1.Pod
	churnEvery time.Duration
	// needs names the plugins the workload needs; it is skipped without
	// them.
	needs     []string
	threshold float64 // kube-scheduler's CI floor, pods/s
}

func perfNode(i int, zones []string) *corev1.Node {
	name := fmt.Sprintf("scheduler-perf-%05d", i)
	labels := map[string]string{corev1.LabelHostname: name}
	if len(zones) > 0 {
		labels[corev1.LabelTopologyZone] = zones[i%len(zones)]
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("32Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("32Gi")},
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}

// perfPod is templates/pod-default.yaml with the given cpu request.
func perfPod(ns, prefix string, i int, cpu string) *corev1.Pod {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("500Mi")}
	name := fmt.Sprintf("%s%06d", prefix, i)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "-" + name)},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10.1",
			Ports:     []corev1.ContainerPort{{ContainerPort: 80}},
			Resources: corev1.ResourceRequirements{Limits: rl, Requests: rl},
		}}},
	}
}

func defaultPod(ns string) func(int) *corev1.Pod {
	return func(i int) *corev1.Pod { return perfPod(ns, "pod-", i, "100m") }
}

func antiAffinityPod(ns string) func(int) *corev1.Pod {
	return func(i int) *corev1.Pod {
		p := perfPod(ns, "anti-affinity-pod-", i, "100m")
		p.Labels = map[string]string{"color": "green"}
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"color": "green"}},
			TopologyKey:   corev1.LabelHostname,
			Namespaces:    []string{"sched-1", "sched-0"},
		}}}}
		return p
	}
}

func affinityPod(ns string) func(int) *corev1.Pod {
	return func(i int) *corev1.Pod {
		p := perfPod(ns, "affinity-pod-", i, "100m")
		p.Labels = map[string]string{"color": "blue"}
		p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"color": "blue"}},
			TopologyKey:   corev1.LabelTopologyZone,
			Namespaces:    []string{"sched-1", "sched-0"},
		}}}}
		return p
	}
}

func nodeAffinityPod(i int) *corev1.Pod {
	p := perfPod("default", "node-affinity-", i, "100m")
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
			Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"zone1", "zone2"},
		}}}},
	}}}
	return p
}

func spreadingPod(i int) *corev1.Pod {
	p := perfPod("default", "spreading-pod-", i, "100m")
	p.Labels = map[string]string{"color": "blue"}
	p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew: 5, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"color": "blue"}},
	}}
	return p
}

func lowPriorityPod(i int) *corev1.Pod {
	p := perfPod("default", "low-", i, "900m")
	zero := int64(0)
	p.Spec.TerminationGracePeriodSeconds = &zero
	return p
}

func highPriorityPod(i int) *corev1.Pod {
	p := perfPod("default", "high-", i, "3000m")
	prio := int32(10)
	p.Spec.Priority = &prio
	return p
}

var perfWorkloads = []perfWorkload{
	{name: "SchedulingBasic/5000Nodes_10000Pods", nodes: 5000, initPods: 1000, initPod: defaultPod("default"), measurePods: 10000, measurePod: func(i int) *corev1.Pod { return perfPod("default", "measure-", i, "100m") }, threshold: 680},
	{name: "SchedulingNodeAffinity/5000Nodes_10000Pods", nodes: 5000, zones: []string{"zone1"}, initPods: 5000, initPod: nodeAffinityPod, measurePods: 10000, measurePod: func(i int) *corev1.Pod { p := nodeAffinityPod(i); p.Name = "m" + p.Name; p.UID = "m" + p.UID; return p }, threshold: 220},
	{name: "TopologySpreading/5000Nodes_5000Pods", nodes: 5000, zones: []string{"moon-1", "moon-2", "moon-3"}, initPods: 5000, initPod: defaultPod("default"), measurePods: 5000, measurePod: spreadingPod, needs: []string{names.PodTopologySpread}, threshold: 85},
	{name: "SchedulingPodAntiAffinity/5000Nodes_2000Pods", nodes: 5000, initPods: 1000, initPod: antiAffinityPod("sched-0"), measurePods: 2000, measurePod: antiAffinityPod("sched-1"), needs: []string{names.InterPodAffinity}, threshold: 60},
	{name: "SchedulingPodAffinity/5000Nodes_5000Pods", nodes: 5000, zones: []string{"zone1"}, initPods: 5000, initPod: affinityPod("sched-0"), measurePods: 5000, measurePod: affinityPod("sched-1"), needs: []string{names.InterPodAffinity}, threshold: 35},
	{name: "PreemptionAsync/5000Nodes", nodes: 5000, initPods: 20000, initPod: lowPriorityPod, measurePods: 5000, measurePod: func(i int) *corev1.Pod { return perfPod("default", "measure-", i, "100m") }, churn: highPriorityPod, churnEvery: 200 * time.Millisecond, needs: []string{names.DefaultPreemption}, threshold: 570},
}

// perfResult is what one run of a workload measured.
type perfResult struct {
	podsPerSecond float64
	p50, p99      time.Duration
	elapsed       time.Duration
	unscheduled   int
}

// runPerfWorkload builds a scheduler, schedules the init pods, then
// measures the scheduling of the measured pods.
func runPerfWorkload(tb testing.TB, w perfWorkload, opts Options) perfResult {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *Scheduler
	var phase atomic.Int32 // 0 init, 1 measure
	var mu sync.Mutex      // guards lat
	var lat []time.Duration
	var boundInit, boundMeasure atomic.Int64
	initDone, measureDone := make(chan struct{}), make(chan struct{})
	opts.Binder = binderFunc(func(_ context.Context, pod *corev1.Pod, node string) error {
		bound := pod.DeepCopy()
		bound.Spec.NodeName = node
		return s.UpdatePod(pod, bound)
	})
	isMeasured := func(p *corev1.Pod) bool { return p.Labels["perf-phase"] == "measure" }
	opts.OnOutcome = func(o Outcome) {
		if o.Err != nil {
			return
		}
		if isMeasured(o.Pod) {
			mu.Lock()
			lat = append(lat, o.End.Sub(o.Start))
			mu.Unlock()
			if boundMeasure.Add(1) == int64(w.measurePods) {
				close(measureDone)
			}
		} else if o.Pod.Labels["perf-phase"] == "init" {
			if boundInit.Add(1) == int64(w.initPods) {
				close(initDone)
			}
		}
	}
	var err error
	s, err = New(ctx, opts)
	if err != nil {
		tb.Fatal(err)
	}
	for _, n := range w.needs {
		if s.Framework(corev1.DefaultSchedulerName) == nil || !slices.Contains(s.Framework(corev1.DefaultSchedulerName).PluginNames(), n) {
			tb.Skipf("plugin %s is not available yet", n)
		}
	}
	for i := 0; i < w.nodes; i++ {
		s.AddNode(perfNode(i, w.zones))
	}
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = s.Run(ctx)
	}()
	label := func(p *corev1.Pod, phase string) *corev1.Pod {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels["perf-phase"] = phase
		return p
	}
	for i := 0; i < w.initPods; i++ {
		if err := s.AddPod(label(w.initPod(i), "init")); err != nil {
			tb.Fatal(err)
		}
	}
	if w.initPods > 0 {
		select {
		case <-initDone:
		case <-time.After(10 * time.Minute):
			tb.Fatalf("init pods not scheduled: %d of %d", boundInit.Load(), w.initPods)
		}
	}
	phase.Store(1)
	measurePods := make([]*corev1.Pod, w.measurePods)
	for i := range measurePods {
		measurePods[i] = label(w.measurePod(i), "measure")
	}
	start := time.Now()
	stopChurn := make(chan struct{})
	churnDone := make(chan struct{})
	go func() {
		defer close(churnDone)
		if w.churn == nil {
			return
		}
		t := time.NewTicker(w.churnEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopChurn:
				return
			case <-t.C:
				_ = s.AddPod(label(w.churn(i), "churn"))
			}
		}
	}()
	for _, p := range measurePods {
		if err := s.AddPod(p); err != nil {
			tb.Fatal(err)
		}
	}
	select {
	case <-measureDone:
	case <-time.After(10 * time.Minute):
		tb.Fatalf("measured pods not scheduled: %d of %d; queue %+v", boundMeasure.Load(), w.measurePods, s.Queue().Stats())
	}
	elapsed := time.Since(start)
	close(stopChurn)
	<-churnDone
	cancel()
	<-runDone
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))]
	}
	return perfResult{podsPerSecond: float64(w.measurePods) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), elapsed: elapsed}
}

type binderFunc func(ctx context.Context, pod *corev1.Pod, node string) error

func (f binderFunc) Bind(ctx context.Context, pod *corev1.Pod, node string) error {
	return f(ctx, pod, node)
}

func BenchmarkSchedulerPerf(b *testing.B) {
	for _, w := range perfWorkloads {
		b.Run(w.name, func(b *testing.B) {
			var last perfResult
			for i := 0; i < b.N; i++ {
				last = runPerfWorkload(b, w, Options{Seed: uint64(i + 1)})
			}
			b.ReportMetric(last.podsPerSecond, "pods/s")
			b.ReportMetric(float64(last.p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(last.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(w.threshold, "k8s-floor-pods/s")
		})
	}
}

// BenchmarkSchedulerPerfWithoutCrossNodePlugins runs the workloads whose
// pods have no pod affinity and no spread constraints (and meet no existing
// pod that has them) with the default profile less InterPodAffinity and
// PodTopologySpread. In Kubernetes both plugins skip such pods (PreFilter
// and PreScore return Skip), so every Filter verdict and score is the same
// as with the full profile; the run measures the framework without the
// cost those two plugins' PreFilter and PreScore have here before they
// decide to do nothing.
func BenchmarkSchedulerPerfWithoutCrossNodePlugins(b *testing.B) {
	p := DefaultProfile()
	p.Plugins = slices.DeleteFunc(p.Plugins, func(pc PluginConfig) bool {
		return pc.Name == names.InterPodAffinity || pc.Name == names.PodTopologySpread
	})
	for _, w := range perfWorkloads[:2] {
		b.Run(w.name, func(b *testing.B) {
			var last perfResult
			for i := 0; i < b.N; i++ {
				last = runPerfWorkload(b, w, Options{Seed: uint64(i + 1), Profiles: []Profile{p}})
			}
			b.ReportMetric(last.podsPerSecond, "pods/s")
			b.ReportMetric(float64(last.p99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(last.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(w.threshold, "k8s-floor-pods/s")
		})
	}
}
