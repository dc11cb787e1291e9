package framework

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// ErrNoNodesAvailable is returned when the snapshot has no nodes.
var ErrNoNodesAvailable = errors.New("no nodes available to schedule pods")

// NoNodeAvailableMsg starts a FitError's message.
const NoNodeAvailableMsg = "0/%v nodes are available"

// Diagnosis is why a pod fit no node: each node's status, the plugins that
// rejected it, and the messages of PreFilter and PostFilter.
type Diagnosis struct {
	// NodeToStatus holds each evaluated node's failure and the status of
	// nodes not evaluated.
	NodeToStatus *NodeToStatus
	// UnschedulablePlugins are the plugins that rejected the pod on some
	// node; only events they registered requeue it.
	UnschedulablePlugins map[string]struct{}
	// PendingPlugins are the plugins that returned Pending.
	PendingPlugins map[string]struct{}
	// PreFilterMsg is the message of the PreFilter plugin that rejected
	// the pod on every node, if one did.
	PreFilterMsg string
	// PostFilterMsg is the PostFilter plugins' message (preemption's
	// verdict).
	PostFilterMsg string
}

// AddPluginStatus records the plugin of a rejection.
func (d *Diagnosis) AddPluginStatus(s *Status) {
	if s.Plugin() == "" || !s.IsRejected() {
		return
	}
	if s.Code() == Pending {
		if d.PendingPlugins == nil {
			d.PendingPlugins = make(map[string]struct{})
		}
		d.PendingPlugins[s.Plugin()] = struct{}{}
		return
	}
	if d.UnschedulablePlugins == nil {
		d.UnschedulablePlugins = make(map[string]struct{})
	}
	d.UnschedulablePlugins[s.Plugin()] = struct{}{}
}

// FitError is the error of a pod that fits no node. Its message is
// Kubernetes': "0/N nodes are available: 3 Insufficient cpu, 2 node(s) had
// untolerated taint {k: v}. preemption: ...".
type FitError struct {
	Pod         *corev1.Pod
	NumAllNodes int
	Diagnosis   Diagnosis
}

// Error returns the message: the PreFilter message, or a sorted histogram
// of the nodes' reasons, then the PostFilter message.
func (f *FitError) Error() string {
	msg := fmt.Sprintf(NoNodeAvailableMsg+":", f.NumAllNodes)
	if f.Diagnosis.PreFilterMsg != "" {
		msg += fmt.Sprintf(" %v.", f.Diagnosis.PreFilterMsg)
	} else if m := f.Diagnosis.NodeToStatus; m != nil {
		reasons := make(map[string]int)
		m.ForEachExplicitNode(func(_ string, s *Status) {
			for _, r := range s.Reasons() {
				reasons[r]++
			}
		})
		if m.Len() < f.NumAllNodes {
			for _, r := range m.AbsentNodesStatus().Reasons() {
				reasons[r] += f.NumAllNodes - m.Len()
			}
		}
		list := make([]string, 0, len(reasons))
		for r, n := range reasons {
			list = append(list, fmt.Sprintf("%v %v", n, r))
		}
		sort.Strings(list)
		if len(list) > 0 {
			msg += fmt.Sprintf(" %v.", strings.Join(list, ", "))
		}
	}
	if f.Diagnosis.PostFilterMsg != "" {
		msg += " " + f.Diagnosis.PostFilterMsg
	}
	return msg
}

// NodeLocalPlugin is implemented by Filter and Score plugins whose verdict
// on a node depends only on the pod being scheduled and that node's
// NodeInfo (and, for Score, on the number of nodes and the images they
// hold). The scheduler may then reuse a node's verdict for an identical pod
// while the node is unchanged (see the scheduler's batching). A plugin
// whose Filter or Score reads other nodes must not implement it.
type NodeLocalPlugin interface {
	Plugin
	// NodeLocal is a marker; it is never called.
	NodeLocal()
}
