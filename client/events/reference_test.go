package events_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client/events"
)

// custom is a kind the package does not know.
type custom struct {
	metav1.TypeMeta
	metav1.ObjectMeta
}

func TestReference(t *testing.T) {
	tests := []struct {
		name    string
		obj     metav1.Object
		want    corev1.ObjectReference
		wantErr string
	}{
		{"pod without TypeMeta", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u", ResourceVersion: "3"}},
			corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Name: "p", Namespace: "ns", UID: "u", ResourceVersion: "3"}, ""},
		{"container of a pod", events.WithFieldPath(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}, "spec.containers{app}"),
			corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Name: "p", Namespace: "ns", FieldPath: "spec.containers{app}"}, ""},
		{"replicaset", &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "ns"}},
			corev1.ObjectReference{Kind: "ReplicaSet", APIVersion: "apps/v1", Name: "rs", Namespace: "ns"}, ""},
		{"custom kind from TypeMeta", &custom{TypeMeta: metav1.TypeMeta{Kind: "Widget", APIVersion: "example.com/v1"}, ObjectMeta: metav1.ObjectMeta{Name: "w"}},
			corev1.ObjectReference{Kind: "Widget", APIVersion: "example.com/v1", Name: "w"}, ""},
		{"unknown kind", &custom{ObjectMeta: metav1.ObjectMeta{Name: "w"}}, corev1.ObjectReference{},
			"event reference to w: *events_test.custom has no kind in its TypeMeta and is not a known kind"},
		{"no name", &corev1.Pod{}, corev1.ObjectReference{}, "event reference: *v1.Pod has no name"},
		{"nil", (*corev1.Pod)(nil), corev1.ObjectReference{}, "event reference: nil object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := events.Reference(tt.obj)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("error = %q, want %q", gotErr, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("reference (-want +got):\n%s", d)
			}
		})
	}
}
