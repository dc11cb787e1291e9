package framework

import (
	"errors"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
)

// PodKey returns the key the scheduler tracks a pod by: its UID, or
// "namespace/name" when the UID is empty (pods built by hand in tests and
// embedders).
func PodKey(pod *corev1.Pod) string {
	if pod.UID != "" {
		return string(pod.UID)
	}
	return pod.Namespace + "/" + pod.Name
}

// AffinityTerm is a parsed PodAffinityTerm: the namespaces and selectors it
// matches pods by, and its topology key.
type AffinityTerm struct {
	// Namespaces are the namespaces named by the term, or the pod's own
	// namespace when the term names none and has no namespace selector.
	Namespaces map[string]struct{}
	// Selector selects the pods, with the term's matchLabelKeys and
	// mismatchLabelKeys applied.
	Selector labels.Selector
	// TopologyKey is the node label that defines the domain.
	TopologyKey string
	// NamespaceSelector selects further namespaces by their labels;
	// Nothing() when the term has none.
	NamespaceSelector labels.Selector
}

// Matches reports whether pod, whose namespace has the labels nsLabels,
// is selected by the term.
func (at *AffinityTerm) Matches(pod *corev1.Pod, nsLabels labels.Set) bool {
	if _, ok := at.Namespaces[pod.Namespace]; ok || at.NamespaceSelector.Matches(nsLabels) {
		return at.Selector.Matches(labels.Set(pod.Labels))
	}
	return false
}

// WeightedAffinityTerm is a parsed preferred term with its weight.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// PodInfo is a pod with what the scheduler derives from it once: its parsed
// affinity terms and its resource requests. A PodInfo is immutable once
// built and may be shared between snapshots and goroutines.
type PodInfo struct {
	Pod *corev1.Pod

	RequiredAffinityTerms      []AffinityTerm
	RequiredAntiAffinityTerms  []AffinityTerm
	PreferredAffinityTerms     []WeightedAffinityTerm
	PreferredAntiAffinityTerms []WeightedAffinityTerm

	res podResource
}

// NewPodInfo parses pod's affinity terms and computes its requests. It
// returns the PodInfo even when a term's selector is invalid (that term is
// then left out) together with an error naming the term; the scheduler
// treats such a pod as unschedulable, as Kubernetes does.
func NewPodInfo(pod *corev1.Pod) (*PodInfo, error) {
	pi := &PodInfo{Pod: pod, res: computePodResource(pod)}
	a := pod.Spec.Affinity
	if a == nil || (a.PodAffinity == nil && a.PodAntiAffinity == nil) {
		return pi, nil
	}
	var errs []error
	if pa := a.PodAffinity; pa != nil {
		pi.RequiredAffinityTerms = affinityTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution, "podAffinity.required", &errs)
		pi.PreferredAffinityTerms = weightedTerms(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution, "podAffinity.preferred", &errs)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		pi.RequiredAntiAffinityTerms = affinityTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution, "podAntiAffinity.required", &errs)
		pi.PreferredAntiAffinityTerms = weightedTerms(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution, "podAntiAffinity.preferred", &errs)
	}
	return pi, errors.Join(errs...)
}

// Requests returns the pod's effective resource requests (see
// NodeInfo.Requested). The caller must not modify the result.
func (pi *PodInfo) Requests() *Resource { return &pi.res.resource }

// NonZeroRequests returns the pod's CPU and memory requests with the
// scoring defaults for containers that request none.
func (pi *PodInfo) NonZeroRequests() (milliCPU, memory int64) {
	return pi.res.non0CPU, pi.res.non0Mem
}

// HasAffinity reports whether the pod has pod affinity or anti-affinity
// terms, required or preferred.
func (pi *PodInfo) HasAffinity() bool {
	return len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms)+
		len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
}

func affinityTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm, path string, errs *[]error) []AffinityTerm {
	if len(terms) == 0 {
		return nil
	}
	out := make([]AffinityTerm, 0, len(terms))
	for i := range terms {
		t, err := NewAffinityTerm(pod, &terms[i])
		if err != nil {
			*errs = append(*errs, fmt.Errorf("pod %s/%s %s[%d]: %w", pod.Namespace, pod.Name, path, i, err))
			continue
		}
		out = append(out, *t)
	}
	return out
}

func weightedTerms(pod *corev1.Pod, terms []corev1.WeightedPodAffinityTerm, path string, errs *[]error) []WeightedAffinityTerm {
	if len(terms) == 0 {
		return nil
	}
	out := make([]WeightedAffinityTerm, 0, len(terms))
	for i := range terms {
		t, err := NewAffinityTerm(pod, &terms[i].PodAffinityTerm)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("pod %s/%s %s[%d]: %w", pod.Namespace, pod.Name, path, i, err))
			continue
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: *t, Weight: terms[i].Weight})
	}
	return out
}

// NewAffinityTerm parses term, a term of pod: its label selector (nil
// selects nothing), with "key in (pod's value)" added for each
// matchLabelKeys key and "key notin (pod's value)" for each
// mismatchLabelKeys key that the pod carries; its namespaces (the pod's own
// when the term lists none and has no namespace selector); and its
// namespace selector (nil selects no namespace, {} every namespace).
func NewAffinityTerm(pod *corev1.Pod, term *corev1.PodAffinityTerm) (*AffinityTerm, error) {
	sel, err := labels.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("labelSelector: %w", err)
	}
	if term.LabelSelector != nil {
		for _, k := range term.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				r, err := labels.NewRequirement(k, labels.In, []string{v})
				if err != nil {
					return nil, fmt.Errorf("matchLabelKeys %q: %w", k, err)
				}
				sel = sel.Add(*r)
			}
		}
		for _, k := range term.MismatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				r, err := labels.NewRequirement(k, labels.NotIn, []string{v})
				if err != nil {
					return nil, fmt.Errorf("mismatchLabelKeys %q: %w", k, err)
				}
				sel = sel.Add(*r)
			}
		}
	}
	nsSel, err := labels.LabelSelectorAsSelector(term.NamespaceSelector)
	if err != nil {
		return nil, fmt.Errorf("namespaceSelector: %w", err)
	}
	ns := make(map[string]struct{}, max(1, len(term.Namespaces)))
	if len(term.Namespaces) == 0 && term.NamespaceSelector == nil {
		ns[pod.Namespace] = struct{}{}
	}
	for _, n := range term.Namespaces {
		ns[n] = struct{}{}
	}
	return &AffinityTerm{Namespaces: ns, Selector: sel, TopologyKey: term.TopologyKey, NamespaceSelector: nsSel}, nil
}

// QueuedPodInfo is a pod in the scheduling queue with its queue
// bookkeeping. The queue owns it; plugins (QueueSort, PreEnqueue) only
// read it.
type QueuedPodInfo struct {
	*PodInfo
	// Timestamp is when the pod was last added to the queue; QueueSort
	// orders equal priorities by it.
	Timestamp time.Time
	// Attempts counts the scheduling attempts so far; backoff grows with
	// it.
	Attempts int
	// InitialAttemptTimestamp is when the pod was first popped, or nil
	// before that.
	InitialAttemptTimestamp *time.Time
	// UnschedulablePlugins names the plugins that rejected the pod in its
	// last attempt; only events those plugins registered requeue it.
	UnschedulablePlugins map[string]struct{}
	// PendingPlugins names the plugins that returned Pending.
	PendingPlugins map[string]struct{}
	// GatingPlugin names the PreEnqueue plugin that holds the pod back, or
	// "" when none does.
	GatingPlugin string
}
