package v1_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// quantityEqual compares quantities by value; Quantity's fields are
// unexported.
var quantityEqual = cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })

// fullPod returns a pod that sets a field at every level of nesting a
// deep copy must follow: slices, maps, pointers, inlined structs.
func fullPod() *corev1.Pod {
	at := metav1.NewTime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{corev1.LabelOSStable: "linux"},
			Containers: []corev1.Container{{
				Name:    "web",
				Command: []string{"/web"},
				Env: []corev1.EnvVar{{
					Name:      "PASSWORD",
					ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k", Optional: ptr(true)}},
				}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
				},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http"), HTTPHeaders: []corev1.HTTPHeader{{Name: "X", Value: "1"}}}}},
				SecurityContext: &corev1.SecurityContext{
					RunAsUser:    ptr(int64(1000)),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
			Volumes: []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse("1Gi"))}}}},
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}},
				}}},
			}},
			Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, TolerationSeconds: ptr(int64(300))}},
		},
		Status: corev1.PodStatus{
			StartTime:  &at,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: at}},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name:    "web",
				State:   corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}},
				Started: ptr(true),
			}},
		},
	}
}

// TestDeepCopy checks that DeepCopy returns an equal pod that shares no
// memory with the original: changing the copy at any depth leaves the
// original as it was.
func TestDeepCopy(t *testing.T) {
	orig := fullPod()
	cp := orig.DeepCopy()
	if diff := cmp.Diff(orig, cp, quantityEqual); diff != "" {
		t.Fatalf("DeepCopy differs from the original (-orig +copy):\n%s", diff)
	}

	c := &cp.Spec.Containers[0]
	c.Command[0] = "changed"
	c.Env[0].ValueFrom.SecretKeyRef.Name = "changed"
	*c.Env[0].ValueFrom.SecretKeyRef.Optional = false
	c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
	c.ReadinessProbe.HTTPGet.HTTPHeaders[0].Value = "changed"
	*c.SecurityContext.RunAsUser = 0
	c.SecurityContext.Capabilities.Drop[0] = "changed"
	*cp.Spec.Volumes[0].EmptyDir.SizeLimit = resource.MustParse("2Gi")
	cp.Spec.NodeSelector["changed"] = "yes"
	cp.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Values[0] = "changed"
	*cp.Spec.Tolerations[0].TolerationSeconds = 0
	cp.Labels["app"] = "changed"
	cp.Status.StartTime.Time = time.Time{}
	cp.Status.ContainerStatuses[0].State.Running.StartedAt = metav1.Time{}
	*cp.Status.ContainerStatuses[0].Started = false

	if diff := cmp.Diff(fullPod(), orig, quantityEqual); diff != "" {
		t.Errorf("changing the copy changed the original (-want +got):\n%s", diff)
	}
}

// TestDeepCopyNil checks the generated nil handling.
func TestDeepCopyNil(t *testing.T) {
	var p *corev1.Pod
	if got := p.DeepCopy(); got != nil {
		t.Errorf("(*Pod)(nil).DeepCopy() = %v, want nil", got)
	}
	var rl corev1.ResourceList
	if got := rl.DeepCopy(); got != nil {
		t.Errorf("ResourceList(nil).DeepCopy() = %v, want nil", got)
	}
}
