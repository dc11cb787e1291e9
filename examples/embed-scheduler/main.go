// Command embed-scheduler schedules pods onto nodes with Rigging's
// scheduler embedded in-process: no API server, its own source of pods and
// its own binder. It reads nodes and pods from a JSON file, or generates
// them, schedules every pending pod with the chosen profile, and prints
// where they went, why the others could not go anywhere, and how fast it
// was.
//
// Usage:
//
//	embed-scheduler -nodes 5000 -pods 10000
//	embed-scheduler -in cluster.json -profile mostallocated
//
// The input file is {"nodes": [Node, ...], "pods": [Pod, ...]} in the
// Kubernetes JSON shape; pods with spec.nodeName set are already running.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
	"github.com/rigging-dev/rigging/scheduler/plugins/noderesources"
)

// input is the file format.
type input struct {
	Nodes []*corev1.Node `json:"nodes"`
	Pods  []*corev1.Pod  `json:"pods"`
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed-scheduler:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("embed-scheduler", flag.ContinueOnError)
	numNodes := fs.Int("nodes", 100, "nodes to generate (ignored with -in)")
	numPods := fs.Int("pods", 1000, "pending pods to generate (ignored with -in)")
	in := fs.String("in", "", "JSON file of nodes and pods")
	profileName := fs.String("profile", "default", "profile: default, mostallocated (bin packing) or gang")
	seed := fs.Uint64("seed", 1, "seed of the tie-breaking among equal nodes")
	top := fs.Int("top", 10, "nodes to list by pods placed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cluster input
	if *in != "" {
		data, err := os.ReadFile(*in)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &cluster); err != nil {
			return fmt.Errorf("read %s: %w", *in, err)
		}
	} else {
		if *numNodes < 0 || *numPods < 0 {
			return fmt.Errorf("-nodes %d -pods %d: counts must not be negative", *numNodes, *numPods)
		}
		cluster = generate(*numNodes, *numPods)
	}
	profile, err := profileFor(*profileName)
	if err != nil {
		return err
	}
	sum, err := schedule(ctx, cluster, profile, *seed)
	if err != nil {
		return err
	}
	sum.print(out, *top)
	return nil
}

func profileFor(name string) (scheduler.Profile, error) {
	p := scheduler.DefaultProfile()
	switch name {
	case "default":
	case "mostallocated":
		for i := range p.Plugins {
			if p.Plugins[i].Name == names.NodeResourcesFit {
				p.Plugins[i].Args = &noderesources.FitArgs{ScoringStrategy: &noderesources.ScoringStrategy{Type: noderesources.MostAllocated}}
			}
		}
	case "gang":
		p = scheduler.GangProfile(corev1.DefaultSchedulerName)
	default:
		return p, fmt.Errorf("-profile %q: want default, mostallocated or gang", name)
	}
	return p, nil
}

// generate returns n nodes of 4 CPUs and 32 GiB in three zones, and m
// pending pods of Kubernetes' scheduler_perf default pod (0.1 CPU, 500
// MiB), every tenth a larger one (2 CPUs).
func generate(n, m int) input {
	var c input
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("node-%05d", i)
		alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")}
		c.Nodes = append(c.Nodes, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name, corev1.LabelTopologyZone: fmt.Sprintf("zone-%d", i%3)}},
			Status:     corev1.NodeStatus{Capacity: alloc, Allocatable: alloc},
		})
	}
	for i := 0; i < m; i++ {
		cpu := "100m"
		if i%10 == 9 {
			cpu = "2"
		}
		rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("500Mi")}
		name := fmt.Sprintf("pod-%06d", i)
		c.Pods = append(c.Pods, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{Requests: rl}}}},
		})
	}
	return c
}

// summary is what the run found.
type summary struct {
	pending       int
	perNode       map[string]int
	unschedulable map[string][]string // reason -> pods
	elapsed       time.Duration
}

// schedule runs the scheduler until every pending pod is bound or has been
// found unschedulable and nothing is left to retry.
func schedule(ctx context.Context, c input, profile scheduler.Profile, seed uint64) (*summary, error) {
	sum := &summary{perNode: map[string]int{}, unschedulable: map[string][]string{}}
	var mu sync.Mutex // guards sum, lastErr
	lastErr := map[string]string{}
	outcomes := make(chan struct{}, 1)
	s, err := scheduler.New(ctx, scheduler.Options{
		Profiles: []scheduler.Profile{profile},
		Seed:     seed,
		// The embedder's own binder: here it only records the placement.
		Binder: framework.PodBinderFunc(func(context.Context, *corev1.Pod, string) error { return nil }),
		OnOutcome: func(o scheduler.Outcome) {
			mu.Lock()
			if o.Err == nil {
				sum.perNode[o.NodeName]++
				delete(lastErr, o.Pod.Name)
			} else {
				lastErr[o.Pod.Name] = reason(o.Err)
			}
			mu.Unlock()
			select {
			case outcomes <- struct{}{}:
			default:
			}
		},
	})
	if err != nil {
		return nil, err
	}
	for _, n := range c.Nodes {
		s.AddNode(n)
	}
	for _, p := range c.Pods {
		if p.Spec.NodeName != "" {
			if err := s.AddPod(p); err != nil {
				return nil, fmt.Errorf("add running pod %s/%s: %w", p.Namespace, p.Name, err)
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- s.Run(ctx) }()
	for _, p := range c.Pods {
		if p.Spec.NodeName == "" {
			sum.pending++
			if err := s.AddPod(p); err != nil {
				return nil, fmt.Errorf("add pod %s/%s: %w", p.Namespace, p.Name, err)
			}
		}
	}
	idle := func() bool {
		mu.Lock()
		placed := 0
		for _, n := range sum.perNode {
			placed += n
		}
		seen := placed + len(lastErr)
		mu.Unlock()
		st := s.Queue().Stats()
		return seen >= sum.pending && st.Active == 0 && st.InFlight == 0 && st.Backoff == 0
	}
	for !idle() {
		select {
		case <-outcomes:
		case <-time.After(50 * time.Millisecond):
		case err := <-done:
			return nil, errors.Join(errors.New("scheduler stopped early"), err)
		}
	}
	sum.elapsed = time.Since(start)
	cancel()
	if err := <-done; err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	for pod, r := range lastErr {
		sum.unschedulable[r] = append(sum.unschedulable[r], pod)
	}
	return sum, nil
}

// reason shortens a scheduling error to its reasons, without the node
// count, so that pods failing alike group together.
func reason(err error) string {
	var fe *framework.FitError
	if errors.As(err, &fe) {
		msg := fe.Error()
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg
	}
	return err.Error()
}

func (s *summary) print(w io.Writer, top int) {
	placed := 0
	type nodeCount struct {
		name string
		n    int
	}
	var counts []nodeCount
	for n, c := range s.perNode {
		placed += c
		counts = append(counts, nodeCount{n, c})
	}
	sort.Slice(counts, func(i, j int) bool {
		if counts[i].n != counts[j].n {
			return counts[i].n > counts[j].n
		}
		return counts[i].name < counts[j].name
	})
	fmt.Fprintf(w, "pending pods: %d, placed: %d on %d nodes, unschedulable: %d\n", s.pending, placed, len(s.perNode), s.pending-placed)
	fmt.Fprintf(w, "time: %v, %.0f pods/s\n", s.elapsed.Round(time.Millisecond), float64(placed)/s.elapsed.Seconds())
	if len(counts) > 0 {
		fmt.Fprintf(w, "pods placed per node (top %d of %d):\n", min(top, len(counts)), len(counts))
		for _, c := range counts[:min(top, len(counts))] {
			fmt.Fprintf(w, "  %-24s %d\n", c.name, c.n)
		}
		hist := map[int]int{}
		for _, c := range counts {
			hist[c.n]++
		}
		var keys []int
		for k := range hist {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		fmt.Fprintf(w, "nodes by pods placed:")
		for _, k := range keys {
			fmt.Fprintf(w, " %d pods: %d nodes;", k, hist[k])
		}
		fmt.Fprintln(w)
	}
	if len(s.unschedulable) > 0 {
		fmt.Fprintln(w, "unschedulable pods by reason:")
		var reasons []string
		for r := range s.unschedulable {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			pods := s.unschedulable[r]
			sort.Strings(pods)
			fmt.Fprintf(w, "  %d: %s (e.g. %s)\n", len(pods), r, strings.Join(pods[:min(3, len(pods))], ", "))
		}
	}
}
