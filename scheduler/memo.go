package scheduler

import (
	"encoding/json"
	"strings"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/cache"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
)

// maxMemoClasses bounds the equivalence classes remembered; the least
// recently used is dropped first.
const maxMemoClasses = 64

// memoTable remembers, per equivalence class of pods (same profile and same
// scheduling-relevant spec), each node's Filter status and raw Score
// values, valid while the node's NodeInfo generation, the snapshot's epoch
// and the nominations are unchanged. Only cycles whose running Filter
// (Score) plugins are all framework.NodeLocalPlugins use it, so a reused
// verdict is exactly the one the plugins would return: placement is the
// same as without the memo.
//
// Used by the scheduling goroutine only; entries of one class are written
// concurrently for different nodes during a cycle.
type memoTable struct {
	mu      sync.Mutex // guards classes and tick (lookups happen once per cycle)
	classes map[string]*memoClass
	tick    uint64
}

func newMemoTable() *memoTable { return &memoTable{classes: make(map[string]*memoClass)} }

// memoClass is the memo of one equivalence class, in flat arrays indexed
// by the node's position in the snapshot's list. A generation of 0 means
// "nothing memoised" (NodeInfo generations start at 1).
type memoClass struct {
	lastUse uint64

	epoch   uint64
	nomGen  uint64
	fGen    []int64             // generation the filter status is for
	fStatus []*framework.Status // filter status
	sGen    []int64             // generation the raw scores are for
	sRaw    []int64             // raw scores, k per node
	k       int                 // number of active Score plugins
	scoreBy string              // their names, joined
}

// sync drops the class's entries when the snapshot's epoch or the
// nominations changed.
func (c *memoClass) sync(s *cache.Snapshot, nom *runtime.Nominator) {
	gen := nom.Generation()
	if c.epoch == s.Epoch() && c.nomGen == gen && len(c.fGen) == s.NumNodes() {
		return
	}
	n := s.NumNodes()
	c.epoch, c.nomGen = s.Epoch(), gen
	c.fGen = make([]int64, n)
	c.fStatus = make([]*framework.Status, n)
	c.sGen = make([]int64, n)
	c.sRaw = nil
	c.k = 0
	c.scoreBy = ""
}

// filter returns the memoised status of the node at snapshot index i,
// whose current generation is gens[i].
func (c *memoClass) filter(gens []int64, i int) (*framework.Status, bool) {
	if i < 0 || i >= len(c.fGen) || c.fGen[i] == 0 || c.fGen[i] != gens[i] {
		return nil, false
	}
	return c.fStatus[i], true
}

// storeFilter memoises the status of the node at snapshot index i. Calls
// for different i may run concurrently.
func (c *memoClass) storeFilter(gens []int64, i int, st *framework.Status) {
	if i >= 0 && i < len(c.fGen) {
		c.fStatus[i] = st
		c.fGen[i] = gens[i]
	}
}

// scoreMemo returns the class's score memo for the given active plugins
// (clearing it when they differ from those it holds), for nodes whose
// snapshot indices are idx.
func (c *memoClass) scoreMemo(gens []int64, active []string, idx []int) runtime.ScoreMemo {
	by := strings.Join(active, ",")
	if by != c.scoreBy || c.sRaw == nil {
		c.scoreBy = by
		c.k = len(active)
		clear(c.sGen)
		c.sRaw = make([]int64, len(c.sGen)*c.k)
	}
	return scoreMemo{c: c, idx: idx, gens: gens}
}

type scoreMemo struct {
	c    *memoClass
	idx  []int
	gens []int64
}

func (m scoreMemo) Get(i int, _ *framework.NodeInfo) ([]int64, bool) {
	j := m.idx[i]
	c := m.c
	if j < 0 || j >= len(c.sGen) || c.sGen[j] == 0 || c.sGen[j] != m.gens[j] {
		return nil, false
	}
	return c.sRaw[j*c.k : (j+1)*c.k : (j+1)*c.k], true
}

func (m scoreMemo) Put(i int, _ *framework.NodeInfo, raw []int64) {
	j := m.idx[i]
	c := m.c
	if j >= 0 && j < len(c.sGen) && len(raw) == c.k {
		copy(c.sRaw[j*c.k:(j+1)*c.k], raw)
		c.sGen[j] = m.gens[j]
	}
}

// schedulingKey is the part of a pod that scheduling depends on: two pods
// with equal keys get the same Filter and Score verdicts from node-local
// plugins. It includes the labels and namespace (which other pods'
// affinity and spread constraints see) so that equal keys also mean equal
// effects on later pods.
type schedulingKey struct {
	Profile          string                            `json:"p"`
	Namespace        string                            `json:"ns"`
	Labels           map[string]string                 `json:"l,omitempty"`
	NodeName         string                            `json:"nn,omitempty"`
	NodeSelector     map[string]string                 `json:"sel,omitempty"`
	Affinity         *corev1.Affinity                  `json:"a,omitempty"`
	Tolerations      []corev1.Toleration               `json:"t,omitempty"`
	Priority         *int32                            `json:"pr,omitempty"`
	PreemptionPolicy *corev1.PreemptionPolicy          `json:"pp,omitempty"`
	Overhead         corev1.ResourceList               `json:"o,omitempty"`
	Spread           []corev1.TopologySpreadConstraint `json:"ts,omitempty"`
	Containers       []containerKey                    `json:"c"`
	InitContainers   []containerKey                    `json:"ic,omitempty"`
	Volumes          []string                          `json:"v,omitempty"`
	RuntimeClass     *string                           `json:"rc,omitempty"`
	OS               *corev1.PodOS                     `json:"os,omitempty"`
	Gates            int                               `json:"g,omitempty"`
	Nominated        string                            `json:"nom,omitempty"`
	HostNetwork      bool                              `json:"hn,omitempty"`
}

type containerKey struct {
	Image         string                         `json:"i,omitempty"`
	Ports         []corev1.ContainerPort         `json:"p,omitempty"`
	Requests      corev1.ResourceList            `json:"r,omitempty"`
	RestartPolicy *corev1.ContainerRestartPolicy `json:"rp,omitempty"`
}

// equivalenceKey returns the pod's class key under profile, or "" when it
// cannot be computed.
func equivalenceKey(profile string, pod *corev1.Pod) string {
	k := schedulingKey{
		Profile:          profile,
		Namespace:        pod.Namespace,
		Labels:           pod.Labels,
		NodeName:         pod.Spec.NodeName,
		NodeSelector:     pod.Spec.NodeSelector,
		Affinity:         pod.Spec.Affinity,
		Tolerations:      pod.Spec.Tolerations,
		Priority:         pod.Spec.Priority,
		PreemptionPolicy: pod.Spec.PreemptionPolicy,
		Overhead:         pod.Spec.Overhead,
		Spread:           pod.Spec.TopologySpreadConstraints,
		RuntimeClass:     pod.Spec.RuntimeClassName,
		OS:               pod.Spec.OS,
		Gates:            len(pod.Spec.SchedulingGates),
		Nominated:        pod.Status.NominatedNodeName,
		HostNetwork:      pod.Spec.HostNetwork,
	}
	conv := func(cs []corev1.Container) []containerKey {
		out := make([]containerKey, len(cs))
		for i := range cs {
			out[i] = containerKey{Image: cs[i].Image, Ports: cs[i].Ports, Requests: cs[i].Resources.Requests, RestartPolicy: cs[i].RestartPolicy}
		}
		return out
	}
	k.Containers = conv(pod.Spec.Containers)
	k.InitContainers = conv(pod.Spec.InitContainers)
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			k.Volumes = append(k.Volumes, "pvc:"+v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			k.Volumes = append(k.Volumes, "eph:"+v.Name)
		}
	}
	b, err := json.Marshal(k)
	if err != nil {
		return ""
	}
	return string(b)
}

// class returns the class of key, creating it, and drops the least
// recently used class when there are too many.
func (t *memoTable) class(key string) *memoClass {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tick++
	c, ok := t.classes[key]
	if !ok {
		if len(t.classes) >= maxMemoClasses {
			var oldest string
			oldestUse := ^uint64(0)
			for k, v := range t.classes {
				if v.lastUse < oldestUse {
					oldest, oldestUse = k, v.lastUse
				}
			}
			delete(t.classes, oldest)
		}
		c = &memoClass{}
		t.classes[key] = c
	}
	c.lastUse = t.tick
	return c
}
