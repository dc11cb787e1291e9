package podtopologyspread

import (
	"encoding/json"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// nodeDomain is one node's part in one DoNotSchedule constraint's counts:
// whether the node is eligible for the constraint, its domain (the value
// of the constraint's topology key), and its matching pods.
type nodeDomain struct {
	eligible bool
	value    string
	pods     int
}

// nodeDomains returns ni's part in each constraint of cs, when spreading
// pod: nil when the node is eligible for none because it lacks a topology
// key; otherwise, for each constraint, whether it passes the constraint's
// node inclusion policies and, if so, its domain and the number of its
// pods in pod's namespace, not being deleted, that the constraint's
// selector selects (0 when selects[i] is false: an empty selector counts
// nothing). It depends only on ni and on what domainKey encodes.
func nodeDomains(ni *framework.NodeInfo, pod *corev1.Pod, cs []constraint, selects []bool, affinity requiredNodeAffinity) []nodeDomain {
	node := ni.Node()
	if node == nil {
		return nil
	}
	for i := range cs {
		if _, ok := node.Labels[cs[i].TopologyKey]; !ok {
			return nil
		}
	}
	out := make([]nodeDomain, len(cs))
	visit := false
	for i := range cs {
		// The node inclusion policies are checked before any pod label
		// is matched; pods are visited only when some eligible
		// constraint can select one.
		if cs[i].matchNodeInclusionPolicies(pod, node, affinity) {
			out[i] = nodeDomain{eligible: true, value: node.Labels[cs[i].TopologyKey]}
			visit = visit || selects[i]
		}
	}
	if !visit {
		return out
	}
	for _, pi := range ni.Pods {
		p := pi.Pod
		// Terminating pods and pods of other namespaces are not counted,
		// as in countPodsMatchSelector.
		if p.DeletionTimestamp != nil || p.Namespace != pod.Namespace {
			continue
		}
		podLabels := labels.Set(p.Labels)
		for i := range cs {
			if out[i].eligible && selects[i] && cs[i].Selector.Matches(podLabels) {
				out[i].pods++
			}
		}
	}
	return out
}

// domainTally is the aggregate of one domain: its eligible nodes and
// their matching pods.
type domainTally struct {
	nodes, pods int
}

// domainTallies holds, per constraint, the tally of each domain with at
// least one eligible node.
type domainTallies []map[string]domainTally

func newDomainTallies(n int) domainTallies {
	t := make(domainTallies, n)
	for i := range t {
		t[i] = make(map[string]domainTally)
	}
	return t
}

// apply adds a node's part (sign 1) or takes it away (sign -1). A domain
// whose last eligible node is taken away is dropped.
func (t domainTallies) apply(d []nodeDomain, sign int64) {
	for i := range d {
		if !d[i].eligible {
			continue
		}
		m := t[i]
		cur := m[d[i].value]
		cur.nodes += int(sign)
		cur.pods += int(sign) * d[i].pods
		if cur.nodes == 0 {
			delete(m, d[i].value)
		} else {
			m[d[i].value] = cur
		}
	}
}

// domainKey is the key of the domains memo for pod and its constraints
// cs: everything nodeDomains reads besides the node. That is pod's
// namespace, each constraint's topology key, node inclusion policies and
// selector (Nothing() told apart from an empty selector), and, when a
// policy honours them, pod's node selector and required node affinity or
// its tolerations.
func domainKey(pod *corev1.Pod, cs []constraint) string {
	var b strings.Builder
	b.WriteString(pod.Namespace)
	honorAffinity, honorTaints := false, false
	for i := range cs {
		c := &cs[i]
		b.WriteByte(0)
		b.WriteString(c.TopologyKey)
		b.WriteByte(0)
		b.WriteString(string(c.NodeAffinityPolicy))
		b.WriteByte(0)
		b.WriteString(string(c.NodeTaintsPolicy))
		b.WriteByte(0)
		honorAffinity = honorAffinity || c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor
		honorTaints = honorTaints || c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor
		if _, selects := c.Selector.Requirements(); !selects {
			b.WriteString("!")
			continue
		}
		b.WriteString("=")
		b.WriteString(c.Selector.String())
	}
	// encoding/json writes map keys sorted, so equal inputs give equal
	// keys; the inputs are API types that always encode.
	enc := json.NewEncoder(&b)
	if honorAffinity {
		b.WriteByte(0)
		var required *corev1.NodeSelector
		if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
			required = a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		}
		_ = enc.Encode(pod.Spec.NodeSelector)
		_ = enc.Encode(required)
	}
	if honorTaints {
		b.WriteByte(0)
		_ = enc.Encode(pod.Spec.Tolerations)
	}
	return b.String()
}
