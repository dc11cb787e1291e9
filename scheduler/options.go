package scheduler

import (
	"context"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// Profile is a named set of plugins; see runtime.Profile.
type Profile = runtime.Profile

// PluginConfig enables one plugin in a Profile; see runtime.PluginConfig.
type PluginConfig = runtime.PluginConfig

// DefaultProfile returns Kubernetes' default profile, "default-scheduler":
// SchedulingGates, PrioritySort, NodeUnschedulable, NodeName,
// TaintToleration (weight 3), NodeAffinity (2), NodePorts,
// NodeResourcesFit (1), VolumeBinding, PodTopologySpread (2),
// InterPodAffinity (2), DefaultPreemption,
// NodeResourcesBalancedAllocation (1), ImageLocality (1), DefaultBinder —
// Kubernetes' order and weights, less the volume plugins Rigging does not
// have (VolumeRestrictions, NodeVolumeLimits, VolumeZone). Plugins missing
// from the in-tree registry are left out.
func DefaultProfile() Profile {
	reg := plugins.NewInTreeRegistry()
	all := []PluginConfig{
		{Name: names.SchedulingGates},
		{Name: names.PrioritySort},
		{Name: names.NodeUnschedulable},
		{Name: names.NodeName},
		{Name: names.TaintToleration, Weight: 3},
		{Name: names.NodeAffinity, Weight: 2},
		{Name: names.NodePorts},
		{Name: names.NodeResourcesFit, Weight: 1},
		{Name: names.VolumeBinding},
		{Name: names.PodTopologySpread, Weight: 2},
		{Name: names.InterPodAffinity, Weight: 2},
		{Name: names.DefaultPreemption},
		{Name: names.NodeResourcesBalancedAllocation, Weight: 1},
		{Name: names.ImageLocality, Weight: 1},
		{Name: names.DefaultBinder},
	}
	p := Profile{SchedulerName: corev1.DefaultSchedulerName}
	for _, pc := range all {
		if _, ok := reg[pc.Name]; ok {
			p.Plugins = append(p.Plugins, pc)
		}
	}
	return p
}

// GangProfile returns DefaultProfile with the Gang plugin added under the
// scheduler name name.
func GangProfile(name string) Profile {
	p := DefaultProfile()
	p.SchedulerName = name
	p.Plugins = append(p.Plugins, PluginConfig{Name: names.Gang})
	return p
}

// Outcome is the result of one scheduling attempt, reported to
// Options.OnOutcome.
type Outcome struct {
	// Pod is the pod, as scheduled (spec.nodeName set when bound).
	Pod *corev1.Pod
	// NodeName is the node the pod was bound to; "" when it was not.
	NodeName string
	// Err is nil when the pod was bound; a *framework.FitError when it fit
	// no node; another error otherwise.
	Err error
	// NominatedNodeName is the node preemption nominated, if any.
	NominatedNodeName string
	// Attempts counts the pod's attempts, this one included.
	Attempts int
	// Start is when this attempt popped the pod; End is when it ended
	// (bound, or failed).
	Start, End time.Time
}

// Options configure a Scheduler. The zero value works: Kubernetes' default
// profile, adaptive node sampling, GOMAXPROCS parallelism, a real clock,
// and binding and eviction applied only to the scheduler's own state.
type Options struct {
	// Profiles are the scheduling profiles; empty means DefaultProfile().
	// All must share one QueueSort plugin.
	Profiles []Profile
	// Registry maps plugin names to factories; nil means the in-tree
	// registry.
	Registry framework.Registry
	// PercentageOfNodesToScore is the share of nodes (1-100) evaluated per
	// cycle once 100 nodes are feasible; 0 means adaptive, as Kubernetes:
	// 50% minus 1% per 125 nodes, at least 5%, and never fewer than 100
	// nodes.
	PercentageOfNodesToScore int32
	// Parallelism is the number of goroutines Filter and Score use; 0
	// means GOMAXPROCS.
	Parallelism int
	// Binder writes bindings (DefaultBinder calls it from binding
	// goroutines). nil means binding succeeds at once and only the
	// scheduler's cache records it.
	Binder framework.PodBinder
	// Evictor evicts preemption victims. nil means the victim is removed
	// from the scheduler's own state (and reported to OnEvicted).
	Evictor framework.PodEvictor
	// OnEvicted is told of each victim the default Evictor removed; it may
	// be called from several goroutines.
	OnEvicted func(victim, preemptor *corev1.Pod)
	// NamespaceLister gives namespace labels to namespace selectors; nil
	// knows no namespace.
	NamespaceLister framework.NamespaceLister
	// OnOutcome is told the outcome of every attempt. It is called from the
	// scheduling goroutine and from binding goroutines, possibly at once.
	OnOutcome func(Outcome)
	// Clock drives backoff, flushes and permit timeouts; nil means real
	// time.
	Clock clock.Clock
	// InitialBackoff and MaxBackoff bound the retry backoff; 0 means 1 s
	// and 10 s.
	InitialBackoff, MaxBackoff time.Duration
	// Seed seeds the tie-breaking among equally scored nodes; 0 means a
	// random seed.
	Seed uint64
	// DisableBatching turns off the reuse of Filter and Score results
	// between identical pods (see the package documentation).
	DisableBatching bool
}

func (o *Options) validate() error {
	if o.PercentageOfNodesToScore < 0 || o.PercentageOfNodesToScore > 100 {
		return fmt.Errorf("percentageOfNodesToScore: Invalid value: %d: not in valid range [0-100]", o.PercentageOfNodesToScore)
	}
	if o.Parallelism < 0 {
		return fmt.Errorf("parallelism: Invalid value: %d: should be an integer greater than 0", o.Parallelism)
	}
	if o.InitialBackoff < 0 || o.MaxBackoff < 0 {
		return fmt.Errorf("backoff: Invalid value: initial %v, max %v: must not be negative", o.InitialBackoff, o.MaxBackoff)
	}
	seen := map[string]bool{}
	for _, p := range o.Profiles {
		name := p.SchedulerName
		if name == "" {
			name = corev1.DefaultSchedulerName
		}
		if seen[name] {
			return fmt.Errorf("profiles: Duplicate value: %q", name)
		}
		seen[name] = true
		if p.PercentageOfNodesToScore != nil && (*p.PercentageOfNodesToScore < 0 || *p.PercentageOfNodesToScore > 100) {
			return fmt.Errorf("profile %q: percentageOfNodesToScore: Invalid value: %d: not in valid range [0-100]", name, *p.PercentageOfNodesToScore)
		}
	}
	return nil
}

// binderFunc and evictorFunc adapt the scheduler's defaults.
type noopBinder struct{}

func (noopBinder) Bind(context.Context, *corev1.Pod, string) error { return nil }
