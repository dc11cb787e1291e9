package patch

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// livePod is a pod as the API server stores it: defaulted, with status, and
// with a sidecar container that an admission webhook injected.
func livePod() corev1.Pod {
	return corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", UID: "6f1c", ResourceVersion: "42",
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{lastApplied: `{"old":true}`},
			Finalizers:  []string{"example.com/protect", "example.com/audit"},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{
				{
					Name: "nginx", Image: "nginx:1.25",
					Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
					Env:   []corev1.EnvVar{{Name: "MODE", Value: "prod"}, {Name: "OLD", Value: "x"}},
				},
				{Name: "proxy", Image: "envoy:1"},
			},
			Volumes:       []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			RestartPolicy: corev1.RestartPolicyAlways,
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TestStrategicMergePatchPodAsKubectlSends applies, one after the other, the
// patches kubectl sends for an apply of a changed manifest (new image, one
// variable replaced by another, a label added, the volume switched to a
// ConfigMap), for a kubectl edit that reorders the finalizers, and for a
// kubectl patch that removes a finalizer and the injected sidecar, and
// checks the pod that results.
func TestStrategicMergePatchPodAsKubectlSends(t *testing.T) {
	patches := []string{
		// kubectl apply: three-way patch with $setElementOrder for every
		// merged list it sends, deletions of what the last applied
		// configuration had, and $retainKeys for the volume union.
		`{
			"metadata": {
				"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"new\":true}"},
				"labels": {"tier": "frontend"}
			},
			"spec": {
				"$setElementOrder/containers": [{"name": "nginx"}],
				"containers": [{
					"name": "nginx",
					"image": "nginx:1.27",
					"$setElementOrder/env": [{"name": "MODE"}, {"name": "NEW"}],
					"env": [{"name": "NEW", "value": "y"}, {"$patch": "delete", "name": "OLD"}]
				}],
				"$setElementOrder/volumes": [{"name": "cache"}],
				"volumes": [{"$retainKeys": ["configMap", "name"], "name": "cache", "configMap": {"name": "cache-cfg"}, "emptyDir": null}]
			}
		}`,
		// kubectl edit: two-way patch of the finalizers' new order.
		`{"metadata": {"$setElementOrder/finalizers": ["example.com/audit", "example.com/protect"]}}`,
		// kubectl patch --type=strategic, written by hand.
		`{
			"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/protect"]},
			"spec": {"containers": [{"name": "proxy", "$patch": "delete"}]}
		}`,
	}
	doc, err := json.Marshal(livePod())
	if err != nil {
		t.Fatal(err)
	}
	schema := SchemaOf[corev1.Pod]()
	for i, p := range patches {
		doc, err = StrategicMergePatch(doc, []byte(p), schema)
		if err != nil {
			t.Fatalf("patch %d: %v", i, err)
		}
	}
	var got corev1.Pod
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("result is not a Pod: %v\n%s", err, doc)
	}

	want := livePod()
	want.Labels["tier"] = "frontend"
	want.Annotations[lastApplied] = `{"new":true}`
	want.Finalizers = []string{"example.com/audit"}
	want.Spec.Containers = []corev1.Container{{
		Name: "nginx", Image: "nginx:1.27",
		Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
		Env:   []corev1.EnvVar{{Name: "MODE", Value: "prod"}, {Name: "NEW", Value: "y"}},
	}}
	want.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cache-cfg"}},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patched pod mismatch (-want +got):\n%s", diff)
	}
}

// An apply that leaves the injected sidecar alone keeps it where it was.
func TestStrategicMergePatchPodKeepsServerOnlyContainer(t *testing.T) {
	doc, err := json.Marshal(livePod())
	if err != nil {
		t.Fatal(err)
	}
	// The manifest now has a second container "log" after nginx.
	p := `{"spec": {
		"$setElementOrder/containers": [{"name": "nginx"}, {"name": "log"}],
		"containers": [{"name": "log", "image": "fluent-bit:3"}]
	}}`
	out, err := StrategicMergePatch(doc, []byte(p), SchemaOf[corev1.Pod]())
	if err != nil {
		t.Fatal(err)
	}
	var got corev1.Pod
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got.Spec.Containers {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"nginx", "log", "proxy"}, names); diff != "" {
		t.Errorf("container order (-want +got):\n%s", diff)
	}
}
