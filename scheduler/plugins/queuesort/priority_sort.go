// Package queuesort is the PrioritySort plugin: the active queue pops
// higher-priority pods first, and pods of equal priority in the order they
// were queued.
package queuesort

import (
	"context"

	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// PrioritySort orders pods by priority (higher first), then by queue
// timestamp (earlier first), as Kubernetes' PrioritySort.
type PrioritySort struct{}

var _ framework.QueueSortPlugin = PrioritySort{}

// Name returns "PrioritySort".
func (PrioritySort) Name() string { return names.PrioritySort }

// Less reports whether a pops before b.
func (PrioritySort) Less(a, b *framework.QueuedPodInfo) bool {
	pa, pb := priority(a), priority(b)
	return pa > pb || (pa == pb && a.Timestamp.Before(b.Timestamp))
}

func priority(q *framework.QueuedPodInfo) int32 {
	if p := q.Pod.Spec.Priority; p != nil {
		return *p
	}
	return 0
}

// New is the plugin's factory; it takes no arguments.
func New(context.Context, any, framework.Handle) (framework.Plugin, error) {
	return PrioritySort{}, nil
}
