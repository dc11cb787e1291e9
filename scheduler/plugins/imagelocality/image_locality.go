// Package imagelocality is the ImageLocality plugin: it prefers nodes
// that already have the pod's container images, weighted by image size and
// by how few nodes have them (an image everywhere does not distinguish a
// node).
package imagelocality

import (
	"context"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

// The score thresholds, Kubernetes' figures: images summing to less than
// 23 MiB score 0; a node reaches 100 at 1000 MiB per container.
const (
	mb                    int64 = 1024 * 1024
	minThreshold          int64 = 23 * mb
	maxContainerThreshold int64 = 1000 * mb
)

// ImageLocality scores nodes by the images they have.
type ImageLocality struct {
	handle framework.Handle
}

var _ framework.ScorePlugin = (*ImageLocality)(nil)

// New is the plugin's factory; it takes no arguments.
func New(_ context.Context, _ any, h framework.Handle) (framework.Plugin, error) {
	return &ImageLocality{handle: h}, nil
}

// Name returns "ImageLocality".
func (*ImageLocality) Name() string { return names.ImageLocality }

// Score sums, over the pod's containers and init containers, the size of
// each image present on the node times the fraction of nodes that have it,
// clamps the sum to [23 MiB, 1000 MiB × containers] and maps it linearly
// to [0, 100].
func (pl *ImageLocality) Score(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	all, err := pl.handle.SnapshotSharedLister().NodeInfos().List()
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	total := len(all)
	var sum int64
	add := func(cs []corev1.Container) {
		for i := range cs {
			if st, ok := ni.ImageStates[NormalizedImageName(cs[i].Image)]; ok && total > 0 {
				sum += int64(float64(st.Size) * (float64(st.NumNodes) / float64(total)))
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	return calculatePriority(sum, len(pod.Spec.InitContainers)+len(pod.Spec.Containers)), nil
}

func calculatePriority(sum int64, numContainers int) int64 {
	maxThreshold := maxContainerThreshold * int64(numContainers)
	if sum < minThreshold {
		sum = minThreshold
	} else if sum > maxThreshold {
		sum = maxThreshold
	}
	if maxThreshold <= minThreshold {
		return 0
	}
	return framework.MaxNodeScore * (sum - minThreshold) / (maxThreshold - minThreshold)
}

// ScoreExtensions returns nil: scores are already in [0, 100].
func (*ImageLocality) ScoreExtensions() framework.ScoreExtensions { return nil }

// NormalizedImageName appends ":latest" to an image name without a tag (a
// ':' after the last '/'), as node image lists name them.
func NormalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}

var _ framework.NodeLocalPlugin = (*ImageLocality)(nil)

// NodeLocal marks the plugin as judging each node by that node alone (see
// framework.NodeLocalPlugin).
func (*ImageLocality) NodeLocal() {}
