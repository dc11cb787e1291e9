package v1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// encode returns the JSON encoding of v, failing the test on error.
func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

// TestJSON checks the wire form of the apps kinds both ways: which fields
// are always present, which are absent when zero, and that decoding the
// encoding (with unknown fields disallowed) gives the value back.
func TestJSON(t *testing.T) {
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}
	tmpl := encode(t, template)
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	changed := metav1.NewTime(time.Date(2025, 1, 20, 8, 0, 0, 0, time.UTC))
	maxSurge, maxUnavailable := intstr.FromString("25%"), intstr.FromInt32(1)
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "zero deployment is empty",
			obj:  &appsv1.Deployment{},
			want: `{}`,
		},
		{
			name: "deployment without status or strategy keeps replicas 0",
			obj: &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec:       appsv1.DeploymentSpec{Replicas: ptr(int32(0)), Selector: selector, Template: template},
			},
			want: `{"metadata":{"name":"web"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl + `}}`,
		},
		{
			name: "rolling update with a percentage and a number",
			obj: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
				Selector: selector,
				Template: template,
				Strategy: appsv1.DeploymentStrategy{
					Type:          appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable, MaxSurge: &maxSurge},
				},
			}},
			want: `{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl +
				`,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}}}}`,
		},
		{
			name: "deployment condition without times",
			obj: &appsv1.Deployment{Status: appsv1.DeploymentStatus{
				ObservedGeneration: 2,
				Conditions: []appsv1.DeploymentCondition{
					{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue},
					{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, LastTransitionTime: changed, Reason: "NewReplicaSetAvailable"},
				},
			}},
			want: `{"status":{"observedGeneration":2,"conditions":[` +
				`{"type":"Available","status":"True"},` +
				`{"type":"Progressing","status":"True","lastTransitionTime":"2025-01-20T08:00:00Z","reason":"NewReplicaSetAvailable"}]}}`,
		},
		{
			name: "replicaset status keeps replicas",
			obj:  &appsv1.ReplicaSet{Status: appsv1.ReplicaSetStatus{ObservedGeneration: 1}},
			want: `{"status":{"replicas":0,"observedGeneration":1}}`,
		},
		{
			name: "daemonset status keeps the four node counts",
			obj:  &appsv1.DaemonSet{Status: appsv1.DaemonSetStatus{ObservedGeneration: 1}},
			want: `{"status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0,"observedGeneration":1}}`,
		},
		{
			name: "statefulset status keeps replicas and availableReplicas",
			obj:  &appsv1.StatefulSet{Status: appsv1.StatefulSetStatus{UpdateRevision: "db-5d4f"}},
			want: `{"status":{"replicas":0,"updateRevision":"db-5d4f","availableReplicas":0}}`,
		},
		{
			name: "statefulset spec always has serviceName",
			obj: &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
				Selector: selector, Template: template,
				Ordinals: &appsv1.StatefulSetOrdinals{Start: 0},
				PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenScaled: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				},
			}},
			want: `{"spec":{"selector":{"matchLabels":{"app":"web"}},"template":` + tmpl +
				`,"serviceName":"","persistentVolumeClaimRetentionPolicy":{"whenScaled":"Delete"},"ordinals":{"start":0}}}`,
		},
		{
			name: "controller revision keeps data verbatim",
			obj:  &appsv1.ControllerRevision{Data: json.RawMessage(`{"spec":{"template":{"$patch":"replace"}}}`), Revision: 3},
			want: `{"data":{"spec":{"template":{"$patch":"replace"}}},"revision":3}`,
		},
		{
			name: "controller revision without data",
			obj:  &appsv1.ControllerRevision{Revision: 1},
			want: `{"data":null,"revision":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encode(t, tt.obj)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			back := reflect.New(reflect.TypeOf(tt.obj).Elem()).Interface()
			dec := json.NewDecoder(bytes.NewReader([]byte(got)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			// A null data field decodes to the RawMessage "null".
			if cr, ok := back.(*appsv1.ControllerRevision); ok && string(cr.Data) == "null" {
				cr.Data = nil
			}
			if diff := cmp.Diff(tt.obj, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeepCopy checks that deep copies share no memory with the original.
func TestDeepCopy(t *testing.T) {
	surge := intstr.FromString("25%")
	deployment := &appsv1.Deployment{
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge}},
		},
		Status: appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable}}},
	}
	revision := &appsv1.ControllerRevision{Data: json.RawMessage(`{"a":1}`), Revision: 1}

	wantDeployment, wantRevision := deployment.DeepCopy(), revision.DeepCopy()

	d := deployment.DeepCopy()
	*d.Spec.Replicas = 0
	d.Spec.Selector.MatchLabels["app"] = "other"
	*d.Spec.Strategy.RollingUpdate.MaxSurge = intstr.FromInt32(9)
	d.Status.Conditions[0].Type = appsv1.DeploymentProgressing
	r := revision.DeepCopy()
	r.Data[2] = 'b'

	if diff := cmp.Diff(wantDeployment, deployment); diff != "" {
		t.Errorf("mutating the copy changed the Deployment (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRevision, revision); diff != "" {
		t.Errorf("mutating the copy changed the ControllerRevision (-want +got):\n%s", diff)
	}
}

// A Deployment of three replicas that replaces pods one at a time, with at
// most a quarter of extra pods during the roll-out.
func ExampleDeployment() {
	replicas := int32(3)
	maxSurge, maxUnavailable := intstr.FromString("25%"), intstr.FromInt32(1)
	labels := map[string]string{"app": "web"}
	d := appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.GroupName + "/" + appsv1.Version, Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "web", Image: "registry.example.com/shop/web:1.27.3"},
				}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: &maxUnavailable,
					MaxSurge:       &maxSurge,
				},
			},
		},
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "Deployment",
	//   "apiVersion": "apps/v1",
	//   "metadata": {
	//     "name": "web",
	//     "namespace": "shop"
	//   },
	//   "spec": {
	//     "replicas": 3,
	//     "selector": {
	//       "matchLabels": {
	//         "app": "web"
	//       }
	//     },
	//     "template": {
	//       "metadata": {
	//         "labels": {
	//           "app": "web"
	//         }
	//       },
	//       "spec": {
	//         "containers": [
	//           {
	//             "name": "web",
	//             "image": "registry.example.com/shop/web:1.27.3"
	//           }
	//         ]
	//       }
	//     },
	//     "strategy": {
	//       "type": "RollingUpdate",
	//       "rollingUpdate": {
	//         "maxUnavailable": 1,
	//         "maxSurge": "25%"
	//       }
	//     }
	//   }
	// }
}
