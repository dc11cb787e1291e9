package interpodaffinity

import (
	"slices"
	"strconv"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// memoKeys bounds the keys each of the plugin's memos remembers (the
// distinct workloads scheduled in turn).
const memoKeys = 16

// memos hold what PreFilter and PreScore compute per node, for reuse by the
// next pod with the same terms (or labels) on the nodes that did not
// change since (see framework.NodeMemo). Each memo's key is everything its
// per-node computation depends on besides the NodeInfo, so reused values
// are exactly those that would be computed.
type memos struct {
	// incoming: the per-node counts of existing pods matching the incoming
	// pod's required affinity and anti-affinity terms; keyed by the terms.
	incoming *framework.NodeMemo[incomingPairs]
	// existing: the per-node counts of existing pods whose required
	// anti-affinity selects the incoming pod; keyed by the pod's
	// namespace, its namespace's labels and its labels.
	existing *framework.NodeMemo[[]pairCount]
	// score: PreScore's per-node entries; keyed by the incoming pod's
	// preferred terms, namespace, namespace labels and labels.
	score *framework.NodeMemo[[]scoreEntry]
}

func newMemos() *memos {
	return &memos{
		incoming: framework.NewNodeMemo[incomingPairs](memoKeys),
		existing: framework.NewNodeMemo[[]pairCount](memoKeys),
		score:    framework.NewNodeMemo[[]scoreEntry](memoKeys),
	}
}

// incomingPairs are one node's counts for the incoming pod's required
// affinity terms and anti-affinity terms.
type incomingPairs struct {
	affinity, anti []pairCount
}

// keyBuilder writes memo keys: fields separated by bytes that no label
// key, label value, namespace or selector string contains.
type keyBuilder struct{ strings.Builder }

func (b *keyBuilder) field(s string) {
	b.WriteString(s)
	b.WriteByte(0)
}

// labelSet writes l sorted by key.
func (b *keyBuilder) labelSet(l map[string]string) {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(1)
		b.WriteString(l[k])
		b.WriteByte(2)
	}
	b.WriteByte(0)
}

// selector writes s, telling Nothing() (which selects no label set) from
// an empty selector (which selects every label set).
func (b *keyBuilder) selector(s labels.Selector) {
	if _, selects := s.Requirements(); !selects {
		b.field("!")
		return
	}
	b.field("=" + s.String())
}

// term writes t; it returns false when matching t depends on namespace
// labels (a namespace selector that is neither nothing nor everything),
// which the key does not capture.
func (b *keyBuilder) term(t *term) bool {
	if t.needsNamespaceLabels {
		return false
	}
	b.field(t.TopologyKey)
	ns := make([]string, 0, len(t.Namespaces))
	for n := range t.Namespaces {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	for _, n := range ns {
		b.WriteString(n)
		b.WriteByte(1)
	}
	b.WriteByte(0)
	b.selector(t.Selector)
	b.selector(t.NamespaceSelector)
	return true
}

// incomingKey is the key of the incoming memo for the terms, and false
// when they cannot be keyed.
func incomingKey(affinity, anti []term) (string, bool) {
	var b keyBuilder
	b.field(strconv.Itoa(len(affinity)))
	for i := range affinity {
		if !b.term(&affinity[i]) {
			return "", false
		}
	}
	for i := range anti {
		if !b.term(&anti[i]) {
			return "", false
		}
	}
	return b.String(), true
}

// podKey writes what matching existing pods' terms against pod depends
// on: its namespace, the labels of its namespace and its labels.
func (b *keyBuilder) pod(pod *corev1.Pod, nsLabels labels.Set) {
	b.field(pod.Namespace)
	b.labelSet(nsLabels)
	b.labelSet(pod.Labels)
}

// existingKey is the key of the existing memo.
func existingKey(pod *corev1.Pod, nsLabels labels.Set) string {
	var b keyBuilder
	b.pod(pod, nsLabels)
	return b.String()
}

// scoreKey is the key of the score memo, and false when the scorer's
// terms cannot be keyed. hasPreferred tells which nodes' pods PreScore
// visits (all, or only those with affinity).
func scoreKey(sc *scorer, hasPreferred bool) (string, bool) {
	var b keyBuilder
	b.pod(sc.pod, sc.namespaceLabels)
	b.field(strconv.FormatBool(hasPreferred))
	b.field(strconv.Itoa(int(sc.hardPodAffinityWeight)))
	for _, ts := range [][]weightedTerm{sc.preferredAffinityTerms, sc.preferredAntiAffinityTerms} {
		b.field(strconv.Itoa(len(ts)))
		for i := range ts {
			if !b.term(&ts[i].term) {
				return "", false
			}
			b.field(strconv.Itoa(int(ts[i].weight)))
		}
	}
	return b.String(), true
}
