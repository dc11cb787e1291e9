// Package defaultbinder is the DefaultBinder plugin: it binds a pod
// through the Handle's PodBinder (the pods/binding subresource when the
// scheduler runs against an API server, the embedder's own function
// otherwise).
package defaultbinder

import (
	"context"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// DefaultBinder binds pods with the Handle's PodBinder.
type DefaultBinder struct {
	handle framework.Handle
}

var _ framework.BindPlugin = (*DefaultBinder)(nil)

// New is the plugin's factory; it takes no arguments.
func New(_ context.Context, _ any, h framework.Handle) (framework.Plugin, error) {
	return &DefaultBinder{handle: h}, nil
}

// Name returns "DefaultBinder".
func (*DefaultBinder) Name() string { return names.DefaultBinder }

// Bind calls the PodBinder; its error becomes an Error status.
func (b *DefaultBinder) Bind(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	if err := b.handle.PodBinder().Bind(ctx, pod, nodeName); err != nil {
		return framework.AsStatus(fmt.Errorf("bind pod %s/%s to node %s: %w", pod.Namespace, pod.Name, nodeName, err))
	}
	return nil
}
