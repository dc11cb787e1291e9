package imagelocality

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

func TestScore(t *testing.T) {
	withImages := func(name string, imgs ...corev1.ContainerImage) *corev1.Node {
		n := ft.Node(name, ft.Resources("pods", "10"), nil)
		n.Status.Images = imgs
		return n
	}
	img := func(size int64, names ...string) corev1.ContainerImage {
		return corev1.ContainerImage{Names: names, SizeBytes: size}
	}
	podImages := func(images ...string) *corev1.Pod {
		p := ft.Pod("p")
		p.Spec.Containers = nil
		for _, i := range images {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: i, Image: i})
		}
		return p
	}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		nodes []*corev1.Node
		want  []int64
	}{
		{
			// 250 MiB on one of two nodes: spread 1/2, 125 MiB; (125-23)
			// / (1000-23) × 100 = 10.
			name:  "image on one node",
			pod:   podImages("gcr.io/250"),
			nodes: []*corev1.Node{withImages("a", img(250*mb, "gcr.io/250:latest")), withImages("b")},
			want:  []int64{10, 0},
		},
		{
			name:  "small images score nothing",
			pod:   podImages("gcr.io/10"),
			nodes: []*corev1.Node{withImages("a", img(10*mb, "gcr.io/10:latest")), withImages("b")},
			want:  []int64{0, 0},
		},
		{
			// 2000 MiB on both nodes: spread 1, capped at 1000 MiB for one
			// container: 100 on both.
			name:  "large image everywhere",
			pod:   podImages("gcr.io/2000:v1"),
			nodes: []*corev1.Node{withImages("a", img(2000*mb, "gcr.io/2000:v1")), withImages("b", img(2000*mb, "gcr.io/2000:v1"))},
			want:  []int64{100, 100},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := ft.Framework(t.Context(), t.Fatal, framework.Registry{names.ImageLocality: New}, []runtime.PluginConfig{{Name: names.ImageLocality}}, tt.nodes, nil)
			all, _ := f.SnapshotSharedLister().NodeInfos().List()
			res, s := f.RunScorePlugins(t.Context(), framework.NewCycleState(), tt.pod, all)
			if !s.IsSuccess() {
				t.Fatal(s)
			}
			var got []int64
			for _, r := range res {
				got = append(got, r.TotalScore)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizedImageName(t *testing.T) {
	for in, want := range map[string]string{
		"nginx":                "nginx:latest",
		"nginx:1.27":           "nginx:1.27",
		"registry:5000/app":    "registry:5000/app:latest",
		"registry:5000/app:v2": "registry:5000/app:v2",
	} {
		if got := NormalizedImageName(in); got != want {
			t.Errorf("NormalizedImageName(%q) = %q, want %q", in, got, want)
		}
	}
}
