package volumebinding

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
)

type fakeBinder struct {
	reasons []string
	calls   []string
	bindErr error
}

func (b *fakeBinder) FindPodVolumes(context.Context, *corev1.Pod, *corev1.Node) ([]string, error) {
	b.calls = append(b.calls, "find")
	return b.reasons, nil
}
func (b *fakeBinder) AssumePodVolumes(context.Context, *corev1.Pod, string) error {
	b.calls = append(b.calls, "assume")
	return nil
}
func (b *fakeBinder) RevertAssumedPodVolumes(context.Context, *corev1.Pod, string) {
	b.calls = append(b.calls, "revert")
}
func (b *fakeBinder) BindPodVolumes(context.Context, *corev1.Pod, string) error {
	b.calls = append(b.calls, "bind")
	return b.bindErr
}

func withClaim() *corev1.Pod {
	p := ft.Pod("p")
	p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
	return p
}

func TestNoBinderPassesEverything(t *testing.T) {
	pl, _ := New(t.Context(), nil, nil)
	vb := pl.(*VolumeBinding)
	for _, pod := range []*corev1.Pod{ft.Pod("p"), withClaim()} {
		if _, s := vb.PreFilter(t.Context(), nil, pod, nil); !s.IsSkip() {
			t.Errorf("PreFilter(%d volumes) = %v, want Skip", len(pod.Spec.Volumes), s)
		}
		if s := vb.PreBind(t.Context(), nil, pod, "n"); !s.IsSuccess() {
			t.Errorf("PreBind = %v", s)
		}
	}
}

func TestBinderHooks(t *testing.T) {
	b := &fakeBinder{reasons: []string{"node(s) had volume node affinity conflict"}, bindErr: errors.New("provisioning failed")}
	pl, _ := New(t.Context(), Args{Binder: b}, nil)
	vb := pl.(*VolumeBinding)
	pod := withClaim()
	if _, s := vb.PreFilter(t.Context(), nil, pod, nil); !s.IsSuccess() {
		t.Fatalf("PreFilter = %v", s)
	}
	ni := framework.NewNodeInfo()
	ni.SetNode(ft.Node("n", nil, nil))
	if got := vb.Filter(t.Context(), nil, pod, ni).String(); got != "UnschedulableAndUnresolvable: node(s) had volume node affinity conflict" {
		t.Errorf("Filter = %q", got)
	}
	_ = vb.Reserve(t.Context(), nil, pod, "n")
	vb.Unreserve(t.Context(), nil, pod, "n")
	if s := vb.PreBind(t.Context(), nil, pod, "n"); s.Code() != framework.Error {
		t.Errorf("PreBind with a failing binder = %v, want Error", s)
	}
	if diff := cmp.Diff([]string{"find", "assume", "revert", "bind"}, b.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
